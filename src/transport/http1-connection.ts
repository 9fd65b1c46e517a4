import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { OutcomeKind } from '../core/failure-kinds.js';
import { GauntletError } from '../core/errors.js';
import { classifyError, errorDetail, errorText } from './classify-error.js';
import type { ConnectionOptions, HttpConnection, ResponseCallback } from './http-connection.js';
import { Http1ResponseParser } from './http1-parser.js';
import type { PreparedRequest } from './prepared-request.js';
import { DeadlineTimer } from './deadline-timer.js';
import { destroyUnheard, IDEMPOTENT, sharedReadBuffer, writeSoon, type Flushable } from './raw-socket.js';
import { misuseResponse, newResponseInfo, resetResponseInfo, type ResponseInfo } from './response-info.js';


/**
 * Http1Connection is the lean HTTP/1.1 client for `http:` URLs, the hot path of `gauntlet bench`: one
 * raw keep-alive `node:net` socket, one request at a time, connected lazily on the first request and
 * again after the server closed it or a request failed. A request is one `socket.write` of its
 * prepared wire bytes, on a kept-alive socket at the end of the event loop's turn (writeSoon), with
 * the other requests made in that turn; the response is read into a shared buffer and parsed in place by
 * Http1ResponseParser, so a request allocates nothing unless it keeps its body or headers.
 *
 * Every request ends in exactly one callback with the connection's reused ResponseInfo, never inside
 * `request()` itself. An idempotent request whose kept-alive connection the server had already
 * closed (no byte of an answer) is sent once more on a new connection (see retryStale). The per-request timeout (connect included) uses one timer per connection: the
 * timer carries the deadline of whatever request is in flight when it fires and is re-armed only
 * then, so no timer is created or moved per request.
 */
export class Http1Connection implements HttpConnection, Flushable {
  private readonly host: string;
  private readonly port: number;
  private readonly info: ResponseInfo = newResponseInfo();
  private readonly parser: Http1ResponseParser;
  private socket: net.Socket | null = null;
  private cb: ResponseCallback | null = null;
  private req: PreparedRequest | null = null;
  private startAt = 0;
  private readonly timer = new DeadlineTimer(() => this.cb !== null, (late) => this.onTimeout(late));
  private closed = false;
  private reused = false;
  /** writeDue: the request in flight waits for writeSoon's flush to go out on the kept-alive socket. */
  private writeDue = false;

  constructor(origin: URL, options: ConnectionOptions = {}) {
    if (origin.protocol !== 'http:') {
      throw new GauntletError('GAUNTLET_CONFIG_INVALID', `Http1Connection speaks http: only, not ${origin.protocol}`, { hint: 'open the connection with openConnection()' });
    }
    const h = origin.hostname;
    this.host = h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
    this.port = origin.port === '' ? 80 : Number(origin.port);
    this.parser = new Http1ResponseParser(options.keepHeaders ?? false);
  }

  /** request sends `req` (see HttpConnection.request); its callback comes from a later event. */
  request(req: PreparedRequest, cb: ResponseCallback): void {
    if (this.cb !== null || this.closed) {
      process.nextTick(cb, misuseResponse(this.closed));
      return;
    }
    const now = performance.now();
    const info = this.info;
    resetResponseInfo(info, 0);
    this.cb = cb;
    this.req = req;
    this.parser.begin(req.method === 'HEAD', req.keepBody);

    this.timer.start(now, req.timeoutMs);

    const s = this.socket;
    this.reused = s !== null;
    if (s !== null) {
      this.writeDue = true;
      writeSoon(this);
    } else {
      this.startAt = now;
      this.connect();
    }
  }

  /** close ends the connection; an in-flight request completes at once with kind `aborted`. */
  close(): void {
    this.closed = true;
    this.timer.clear();
    this.dropSocket();
    if (this.cb !== null) this.fail('aborted', 'connection closed');
  }

  /**
   * flushWrite sends the request waiting for this turn's flush (writeSoon). writeDue is cleared
   * whenever the request ends or the connection starts again, so a due write has its socket.
   */
  flushWrite(): void {
    if (!this.writeDue) return;
    this.writeDue = false;
    this.info.sentAt = performance.now();
    this.send(this.socket!, this.req!.wire);
  }

  private connect(): void {
    this.writeDue = false;
    let s: net.Socket;
    try {
      s = net.connect({ host: this.host, port: this.port, noDelay: true, onread: { buffer: sharedReadBuffer(), callback: this.onRead } });
    } catch (err) {
      // Invalid options throw synchronously; report the failure from a later tick, as promised.
      process.nextTick(() => {
        if (this.cb !== null && this.socket === null) this.fail(classifyError(err), errorText(err), errorDetail(err));
      });
      return;
    }
    s.on('connect', this.onConnect);
    s.on('end', this.onEnd);
    s.on('error', this.onError);
    s.on('close', this.onClose);
    this.socket = s;
  }

  private readonly onConnect = (): void => {
    const req = this.req;
    if (req === null) return;
    const now = performance.now();
    this.info.connectMs = now - this.startAt;
    this.info.sentAt = now;
    this.send(this.socket!, req.wire);
  };

  /**
   * send writes a request's bytes. They count as sent (bytesOut) when a whole answer arrived, or, for
   * a request that fails, when its socket is let go with nothing left in its write queue (the kernel
   * took every byte: see dropSocket); a request whose connection the peer closed before any answer
   * sent nothing we can prove. No write callback: Node then skips a nextTick and its bookkeeping per
   * write (~1 µs of CPU per request against nginx, 9.4 → 8.5 µs).
   */
  private send(s: net.Socket, wire: Buffer): void {
    s.write(wire);
  }

  private readonly onRead = (nread: number): boolean => {
    const info = this.info;
    if (this.cb === null) {
      // Bytes nobody asked for: the connection is out of step, so it is not used again.
      this.dropSocket();
      return false;
    }
    let now = 0;
    if (info.firstByteAt === 0) info.firstByteAt = now = performance.now();
    const p = this.parser;
    const r = p.execute(sharedReadBuffer(), 0, nread);
    if (r < 0) {
      info.bytesIn += nread;
      this.dropSocket();
      this.fail('protocol', p.error);
      return false;
    }
    if (!p.done) {
      info.bytesIn += nread;
      return true;
    }
    info.bytesIn += r;
    if (r < nread || !p.keepAlive) this.dropSocket();
    info.endAt = now === 0 ? performance.now() : now;
    this.succeed();
    return true;
  };

  private readonly onEnd = (): void => {
    this.dropSocket();
    if (this.cb === null) return;
    if (this.parser.endOfInput()) {
      this.info.endAt = performance.now();
      this.succeed();
    } else if (!this.retryStale()) {
      this.fail('reset', this.parser.started ? 'connection closed mid-response' : 'socket hang up');
    }
  };

  private readonly onError = (err: Error): void => {
    this.dropSocket();
    if (this.cb === null) return;
    const kind = classifyError(err);
    if (kind !== 'reset' || !this.retryStale()) this.fail(kind, errorText(err), errorDetail(err));
  };

  private readonly onClose = (): void => {
    this.dropSocket();
    if (this.cb !== null && !this.retryStale()) this.fail('reset', 'socket closed');
  };

  /**
   * retryStale sends the request again on a new connection when a kept-alive one turned out to be
   * closed by the server before any byte of the answer (the server's idle timeout crossing our
   * write). As in Go's and browsers' clients, that happens once, for idempotent methods only; the
   * same failure on a fresh connection is the server's and is reported.
   */
  private retryStale(): boolean {
    const req = this.req;
    if (!this.reused || req === null || !req.retryStale || this.info.firstByteAt !== 0 || !IDEMPOTENT.has(req.method)) return false;
    const now = performance.now();
    if (now >= this.timer.deadline) return false;
    this.reused = false;
    this.info.sentAt = 0;
    this.info.bytesOut = 0;
    this.parser.begin(req.method === 'HEAD', req.keepBody);
    this.startAt = now;
    this.connect();
    return true;
  }

  private onTimeout(lateMs: number): void {
    this.info.timeoutLateMs = lateMs;
    this.dropSocket();
    this.fail('timeout', `timed out after ${this.req!.timeoutMs} ms`);
  }


  /**
   * dropSocket forgets the socket and destroys it; its later events no longer reach us. A request in
   * flight counts its bytes as sent when the socket's write queue is empty: the kernel took them (a
   * byte still queued, its own or an earlier request's, proves nothing).
   */
  private dropSocket(): void {
    const s = this.socket;
    if (s === null) return;
    if (this.cb !== null && this.info.sentAt !== 0 && s.writableLength === 0) this.info.bytesOut = this.req!.wire.length;
    this.socket = null;
    destroyUnheard(s, this.onConnect, this.onEnd, this.onError, this.onClose);
  }

  private succeed(): void {
    const info = this.info;
    const p = this.parser;
    info.kind = 'ok';
    info.bytesOut = this.req!.wire.length;
    info.status = p.status;
    info.bodyBytes = p.bodyBytes;
    info.headers = p.headers;
    info.head = p.head;
    info.setCookie = p.setCookie;
    info.body = p.body;
    this.complete();
  }

  private fail(kind: OutcomeKind, error: string, detail = ''): void {
    const info = this.info;
    info.kind = kind;
    info.error = error;
    info.detail = detail;
    // The peer closed before any answer: nothing proves it read what the kernel took.
    if (kind === 'reset' && info.firstByteAt === 0) info.bytesOut = 0;
    info.status = this.parser.status;
    info.bodyBytes = this.parser.bodyBytes;
    info.endAt = performance.now();
    this.complete();
  }

  private complete(): void {
    this.writeDue = false;
    const cb = this.cb!;
    this.cb = null;
    this.req = null;
    cb(this.info);
  }
}
