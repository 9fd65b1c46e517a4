import { parseHeaderLines } from './header-lines.js';

/**
 * Http1ResponseParser is the incremental HTTP/1.1 response parser of the lean transport: it reads
 * Buffers in place (never turning a chunk into a string), accepts a response split across any chunk
 * boundaries, and allocates nothing per response unless the caller keeps the body or the headers.
 *
 * A response head is parsed in one pass once it is whole; a head split across chunks is gathered in
 * a per-parser buffer and parsed again from its start (rare, and bounded by MAX_HEAD_BYTES). Bodies
 * are framed by content-length, by chunked transfer coding (extensions and trailers skipped), or by
 * the end of the connection. 1xx responses (100-continue, 103) are skipped; 101, 204, 304 and
 * answers to HEAD carry no body.
 */

const CR = 13;
const LF = 10;
const SP = 32;
const HT = 9;
const COLON = 58;
const COMMA = 44;
const SEMI = 59;

/** MAX_HEAD_BYTES bounds a response head (status line and headers); longer is a protocol error. */
export const MAX_HEAD_BYTES = 64 * 1024;
/** Bodies up to this size are gathered into one buffer allocated up front when their length is known. */
const MAX_PREALLOC = 16 * 1024 * 1024;

const INCOMPLETE = -1;
const MALFORMED = -2;

const EMPTY = Buffer.alloc(0);
const HTTP1 = Buffer.from('HTTP/1.', 'latin1');
const CONTENT_LENGTH = Buffer.from('content-length', 'latin1');
const TRANSFER_ENCODING = Buffer.from('transfer-encoding', 'latin1');
const CONNECTION = Buffer.from('connection', 'latin1');
const CHUNKED = Buffer.from('chunked', 'latin1');
const CLOSE = Buffer.from('close', 'latin1');
const KEEP_ALIVE = Buffer.from('keep-alive', 'latin1');
const SET_COOKIE = Buffer.from('set-cookie', 'latin1');

const enum St {
  Head,
  Length,
  ChunkSize,
  ChunkExt,
  ChunkSizeLf,
  ChunkData,
  ChunkDataCr,
  ChunkDataLf,
  TrailerStart,
  TrailerLine,
  TrailerLf,
  TrailerEndLf,
  Eof,
  Done,
}

/** eqLower tells whether b[s, s + lit.length) equals the lower-case ASCII `lit`, ignoring case. */
function eqLower(b: Buffer, s: number, lit: Buffer): boolean {
  const n = lit.length;
  for (let k = 0; k < n; k++) if ((b[s + k]! | 0x20) !== lit[k]) return false;
  return true;
}

/** hasToken tells whether the comma-separated list b[s, e) holds `lit` (case-insensitive). */
function hasToken(b: Buffer, s: number, e: number, lit: Buffer, lastOnly: boolean): boolean {
  let found = false;
  let i = s;
  while (i < e) {
    while (i < e && (b[i] === SP || b[i] === HT || b[i] === COMMA)) i++;
    const ts = i;
    while (i < e && b[i] !== COMMA) i++;
    let te = i;
    while (te > ts && (b[te - 1] === SP || b[te - 1] === HT)) te--;
    if (te === ts) continue;
    const match = te - ts === lit.length && eqLower(b, ts, lit);
    if (match && !lastOnly) return true;
    found = match;
  }
  return found;
}

/** Http1ResponseParser: see the module comment. One per connection, reset by `begin` per request. */
export class Http1ResponseParser {
  /** status of the final response head, 0 before one arrived. */
  status = 0;
  /** keepAlive tells whether the connection may carry another request after this response. */
  keepAlive = true;
  /** bodyBytes counts de-chunked body bytes so far. */
  bodyBytes = 0;
  /** done is set when the whole response has been read. */
  done = false;
  /** error says why `execute` returned -1. */
  error = '';
  /**
   * head holds the final response's header lines as they came (latin1, each ending in CRLF, no
   * status line) when the parser keeps headers: one string per response instead of an object and two
   * strings per header; parseHeaderLines builds the record when someone reads it.
   */
  head = '';
  /** setCookie tells whether the raw head holds a Set-Cookie line (so a cookie jar knows to parse). */
  setCookie = false;
  /** body of the response once done, when `begin` asked to keep it. */
  body: Buffer | undefined = undefined;

  private state = St.Done;
  private isHead = false;
  private keepBody = false;
  private remaining = 0;
  private digits = 0;
  private headBuf: Buffer | null = null;
  private headLen = 0;
  private bodyBuf: Buffer | null = null;
  private bodyPos = 0;
  private pieces: Buffer[] = [];
  // Facts of the head being parsed.
  private minor = 1;
  private contentLength = -1;
  private teSeen = false;
  private chunked = false;
  private connClose = false;
  private connKeepAlive = false;

  /** keepHeaders (`true` or `'raw'`) keeps the header lines in `head`; `true` also offers them parsed (`headers`). */
  constructor(private readonly keepHeaders: boolean | 'raw') {}

  /** headers of the final response (lower-cased names), parsed from `head` on each read, when the parser keeps headers (`true`). */
  get headers(): Record<string, string> | undefined {
    return this.keepHeaders === true && this.done ? parseHeaderLines(this.head) : undefined;
  }

  /** begin resets the parser for the response to a new request. */
  begin(isHead: boolean, keepBody: boolean): void {
    this.state = St.Head;
    this.started = false;
    this.isHead = isHead;
    this.keepBody = keepBody;
    this.status = 0;
    this.keepAlive = true;
    this.bodyBytes = 0;
    this.done = false;
    this.error = '';
    this.head = '';
    this.setCookie = false;
    this.body = undefined;
    this.headLen = 0;
    this.bodyBuf = null;
    if (this.pieces.length !== 0) this.pieces = [];
  }

  /** started tells whether any byte of the response has been read. */
  started = false;

  /**
   * execute reads b[start, end). It returns the index after the last byte it used: `end` when the
   * response needs more bytes, less when the response ended inside the chunk (`done` is then set;
   * any bytes after it are not part of this response), or -1 on malformed input (`error` says why).
   */
  execute(b: Buffer, start: number, end: number): number {
    let p = start;
    if (p < end) this.started = true;
    while (p < end) {
      switch (this.state) {
        case St.Head: {
          let r: number;
          if (this.headLen === 0) {
            r = this.parseHead(b, p, end);
            if (r === INCOMPLETE) {
              if (end - p >= MAX_HEAD_BYTES) return this.fail('response head too large');
              this.saveHead(b, p, end);
              return end;
            }
            if (r === MALFORMED) return this.fail(this.error);
            if (r - p > MAX_HEAD_BYTES) return this.fail('response head too large');
          } else {
            const prev = this.headLen;
            const take = Math.min(end - p, MAX_HEAD_BYTES - prev);
            this.saveHead(b, p, p + take);
            const hb = this.headBuf!;
            r = this.parseHead(hb, 0, this.headLen);
            if (r === INCOMPLETE) {
              if (this.headLen >= MAX_HEAD_BYTES) return this.fail('response head too large');
              return end;
            }
            if (r === MALFORMED) return this.fail(this.error);
            r = p + (r - prev);
            this.headLen = 0;
          }
          p = r;
          if (this.afterHead()) return p;
          break;
        }
        case St.Length:
        case St.ChunkData:
        case St.Eof: {
          const avail = end - p;
          const n = this.state === St.Eof || this.remaining > avail ? avail : this.remaining;
          if (this.keepBody) this.keep(b, p, p + n);
          this.bodyBytes += n;
          p += n;
          if (this.state === St.Eof) break;
          this.remaining -= n;
          if (this.remaining === 0) {
            if (this.state === St.Length) return this.complete(p);
            this.state = St.ChunkDataCr;
          }
          break;
        }
        case St.ChunkSize: {
          const c = b[p]!;
          const v = c >= 48 && c <= 57 ? c - 48 : (c | 0x20) >= 97 && (c | 0x20) <= 102 ? (c | 0x20) - 87 : -1;
          if (v >= 0) {
            if (++this.digits > 12) return this.fail('chunk size too large');
            this.remaining = this.remaining * 16 + v;
          } else if (this.digits === 0) {
            return this.fail('invalid chunk size');
          } else if (c === CR) {
            this.state = St.ChunkSizeLf;
          } else if (c === SEMI || c === SP || c === HT) {
            this.state = St.ChunkExt;
          } else {
            return this.fail('invalid chunk size');
          }
          p++;
          break;
        }
        case St.ChunkExt:
        case St.TrailerLine: {
          while (p < end && b[p] !== CR) {
            if (b[p] === LF) return this.fail('bare LF in chunked body');
            p++;
          }
          if (p < end) {
            this.state = this.state === St.ChunkExt ? St.ChunkSizeLf : St.TrailerLf;
            p++;
          }
          break;
        }
        case St.ChunkSizeLf: {
          if (b[p++] !== LF) return this.fail('invalid chunk size line');
          this.state = this.remaining === 0 ? St.TrailerStart : St.ChunkData;
          break;
        }
        case St.ChunkDataCr: {
          if (b[p++] !== CR) return this.fail('chunk longer than its size');
          this.state = St.ChunkDataLf;
          break;
        }
        case St.ChunkDataLf: {
          if (b[p++] !== LF) return this.fail('chunk longer than its size');
          this.state = St.ChunkSize;
          this.digits = 0;
          this.remaining = 0;
          break;
        }
        case St.TrailerStart: {
          if (b[p] === CR) {
            this.state = St.TrailerEndLf;
            p++;
          } else {
            this.state = St.TrailerLine;
          }
          break;
        }
        case St.TrailerLf: {
          if (b[p++] !== LF) return this.fail('invalid trailer line');
          this.state = St.TrailerStart;
          break;
        }
        case St.TrailerEndLf: {
          if (b[p++] !== LF) return this.fail('invalid end of chunked body');
          return this.complete(p);
        }
        case St.Done:
          return p;
      }
    }
    return p;
  }

  /**
   * endOfInput is told that the server closed the connection; it returns true when that ends the
   * response (a body framed by the end of the connection), false when the response was cut short.
   */
  endOfInput(): boolean {
    if (this.state !== St.Eof) return false;
    this.complete(0);
    return true;
  }

  private fail(message: string): number {
    this.error = message;
    this.state = St.Done;
    return -1;
  }

  private complete(p: number): number {
    this.state = St.Done;
    this.done = true;
    if (this.keepBody) {
      if (this.bodyBuf !== null) this.body = this.bodyPos === this.bodyBuf.length ? this.bodyBuf : this.bodyBuf.subarray(0, this.bodyPos);
      else if (this.pieces.length === 0) this.body = EMPTY;
      else this.body = this.pieces.length === 1 ? this.pieces[0] : Buffer.concat(this.pieces);
    }
    return p;
  }

  private keep(b: Buffer, s: number, e: number): void {
    if (s === e) return;
    if (this.bodyBuf !== null) {
      b.copy(this.bodyBuf, this.bodyPos, s, e);
      this.bodyPos += e - s;
    } else {
      const c = Buffer.allocUnsafe(e - s);
      b.copy(c, 0, s, e);
      this.pieces.push(c);
    }
  }

  private saveHead(b: Buffer, s: number, e: number): void {
    const need = this.headLen + (e - s);
    let hb = this.headBuf;
    if (hb === null || hb.length < need) {
      const grown = Buffer.allocUnsafe(Math.max(need, hb === null ? 1024 : hb.length * 2));
      if (hb !== null) hb.copy(grown, 0, 0, this.headLen);
      this.headBuf = hb = grown;
    }
    b.copy(hb, this.headLen, s, e);
    this.headLen = need;
  }

  /** afterHead picks the body framing of the head just parsed; true when the response is done. */
  private afterHead(): boolean {
    const s = this.status;
    if (s < 200 && s !== 101) {
      this.status = 0; // interim (100-continue, 103): the real head follows
      return false;
    }
    this.keepAlive = this.minor >= 1 ? !this.connClose : this.connKeepAlive && !this.connClose;
    if (s === 101) {
      this.keepAlive = false;
      this.complete(0);
      return true;
    }
    if (this.isHead || s === 204 || s === 304) {
      this.complete(0);
      return true;
    }
    if (this.chunked) {
      this.state = St.ChunkSize;
      this.remaining = 0;
      this.digits = 0;
    } else if (this.contentLength >= 0 && !this.teSeen) {
      if (this.contentLength === 0) {
        this.complete(0);
        return true;
      }
      this.state = St.Length;
      this.remaining = this.contentLength;
      if (this.keepBody && this.contentLength <= MAX_PREALLOC) {
        this.bodyBuf = Buffer.allocUnsafe(this.contentLength);
        this.bodyPos = 0;
      }
    } else {
      this.state = St.Eof;
      this.keepAlive = false;
    }
    return false;
  }

  /** parseHead parses a whole head in b[s, e): the index after it, INCOMPLETE or MALFORMED. */
  private parseHead(b: Buffer, s: number, e: number): number {
    if (e - s < 13) {
      for (let k = 0; k < 7 && s + k < e; k++) if (b[s + k] !== HTTP1[k]) return this.malformed('malformed status line');
      return INCOMPLETE;
    }
    if (b[s] !== 72 || b[s + 1] !== 84 || b[s + 2] !== 84 || b[s + 3] !== 80 || b[s + 4] !== 47 || b[s + 5] !== 49 || b[s + 6] !== 46) return this.malformed('malformed status line');
    const minor = b[s + 7]! - 48;
    const d1 = b[s + 9]! - 48;
    const d2 = b[s + 10]! - 48;
    const d3 = b[s + 11]! - 48;
    const after = b[s + 12];
    if (minor < 0 || minor > 9 || b[s + 8] !== SP || d1 < 1 || d1 > 9 || d2 < 0 || d2 > 9 || d3 < 0 || d3 > 9 || (after !== SP && after !== CR)) return this.malformed('malformed status line');
    let i = s + 12;
    while (i < e && b[i] !== CR) {
      if (b[i] === LF) return this.malformed('malformed status line');
      i++;
    }
    if (i + 1 >= e) return INCOMPLETE;
    if (b[i + 1] !== LF) return this.malformed('malformed status line');
    i += 2;

    this.minor = minor;
    this.status = d1 * 100 + d2 * 10 + d3;
    this.contentLength = -1;
    this.teSeen = false;
    this.chunked = false;
    this.connClose = false;
    this.connKeepAlive = false;
    const raw = this.keepHeaders !== false;
    const hs = i;
    this.setCookie = false;

    for (;;) {
      if (i >= e) return INCOMPLETE;
      const c0 = b[i];
      if (c0 === CR) {
        if (i + 1 >= e) return INCOMPLETE;
        if (b[i + 1] !== LF) return this.malformed('malformed header line');
        if (raw) this.head = b.toString('latin1', hs, i);
        return i + 2;
      }
      if (c0 === SP || c0 === HT) return this.malformed('obsolete header line folding');
      const ns = i;
      let c = c0!;
      while (c !== COLON) {
        if (c === CR || c === LF || c === SP || c === HT) return this.malformed('malformed header line');
        if (++i >= e) return INCOMPLETE;
        c = b[i]!;
      }
      const nameLen = i - ns;
      if (nameLen === 0) return this.malformed('empty header name');
      i++;
      while (i < e && (b[i] === SP || b[i] === HT)) i++;
      const vs = i;
      while (i < e && b[i] !== CR) {
        if (b[i] === LF) return this.malformed('bare LF in header');
        i++;
      }
      if (i + 1 >= e) return INCOMPLETE;
      if (b[i + 1] !== LF) return this.malformed('malformed header line');
      let ve = i;
      i += 2;
      while (ve > vs && (b[ve - 1] === SP || b[ve - 1] === HT)) ve--;

      const c1 = b[ns]! | 0x20;
      if (nameLen === 14 && c1 === 99 && eqLower(b, ns, CONTENT_LENGTH)) {
        if (ve === vs || ve - vs > 15) return this.malformed('invalid content-length');
        let v = 0;
        for (let k = vs; k < ve; k++) {
          const d = b[k]! - 48;
          if (d < 0 || d > 9) return this.malformed('invalid content-length');
          v = v * 10 + d;
        }
        if (this.contentLength >= 0 && this.contentLength !== v) return this.malformed('conflicting content-length');
        this.contentLength = v;
      } else if (nameLen === 17 && c1 === 116 && eqLower(b, ns, TRANSFER_ENCODING)) {
        this.teSeen = true;
        this.chunked = hasToken(b, vs, ve, CHUNKED, true);
      } else if (nameLen === 10 && c1 === 99 && eqLower(b, ns, CONNECTION)) {
        if (hasToken(b, vs, ve, CLOSE, false)) this.connClose = true;
        if (hasToken(b, vs, ve, KEEP_ALIVE, false)) this.connKeepAlive = true;
      } else if (raw && nameLen === 10 && c1 === 115 && eqLower(b, ns, SET_COOKIE)) {
        this.setCookie = true;
      }
    }
  }

  private malformed(message: string): number {
    this.error = message;
    return MALFORMED;
  }
}
