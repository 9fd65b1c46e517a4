import { FAILURE_KINDS, failureName } from '../core/failure-kinds.js';
import { REQUEST_ROW_FIELDS } from '../metrics/request-log.js';
import { OutputFile, type OutputFailure, type OutputFileOptions } from './output-file.js';
import type { Reporter } from './reporter.js';

/** RAW_CSV_HEADER: the seed's columns first, then ours. */
export const RAW_CSV_HEADER = 'elapsed_s,response_time_s,status,service_time_s,bytes,failure,worker';

const PAD = ['000000', '00000', '0000', '000', '00', '0', ''];

/** seconds6 writes seconds with six decimals (microseconds) without toFixed, which is slow per row. */
function seconds6(x: number): string {
  const us = Math.round(x * 1e6);
  if (us < 0) return (x < 0 ? '-' : '') + seconds6(-x);
  const whole = Math.floor(us / 1e6);
  const frac = String(us - whole * 1e6);
  return `${whole}.${PAD[frac.length]}${frac}`;
}

/** formatRawRows turns a batch of request rows into CSV lines (a pure function): the format's plain reading, kept as the reference RawCsvEncoder must match byte for byte. */
export function formatRawRows(workerIndex: number, rows: Float64Array): string {
  let out = '';
  const tail = `,${workerIndex}\n`;
  for (let i = 0; i < rows.length; i += REQUEST_ROW_FIELDS) {
    out += seconds6(rows[i]!) + ',' + seconds6(rows[i + 1]!) + ',' + rows[i + 2] + ',' + seconds6(rows[i + 3]!) + ',' + rows[i + 4] + ',' + failureName(rows[i + 5]!) + tail;
  }
  return out;
}

const COMMA = 0x2c;
const ZERO = 0x30;
const DOT = 0x2e;
const MINUS = 0x2d;
/** SECONDS_FAST: below this many seconds (either sign) a time takes the fast path: its microseconds split exactly into int32 seconds and micros. */
const SECONDS_FAST = 9e8;
/** ROW_MAX: bytes one fast row takes at most, its tail excluded (three times 17, two int32s, the longest failure name, commas). */
const ROW_MAX = 3 * 17 + 2 * 10 + 11 + 5;
/** FAILURE_BYTES: the failure column of codes 0..FAILURE_KINDS.length, as bytes ('' for ok). */
const FAILURE_BYTES: readonly Uint8Array[] = Array.from({ length: FAILURE_KINDS.length + 1 }, (_, code) => Buffer.from(failureName(code), 'latin1'));
/** PAIRS: the two ASCII digits of 0..99. */
const PAIRS = Uint8Array.from({ length: 200 }, (_, k) => ZERO + (k % 2 === 0 ? Math.floor(k / 20) : (k >> 1) % 10));

/** fastTime: x takes the fast path of writeSeconds (false for NaN and infinities). */
function fastTime(x: number): boolean {
  return x > -SECONDS_FAST && x < SECONDS_FAST;
}

/** fastInt: v is written by writeUint (a non-negative int32, -0 included, as String writes it). */
function fastInt(v: number): boolean {
  return (v | 0) === v && v >= 0;
}

/** writeUint writes a non-negative int32's digits at p; returns the position after them. */
function writeUint(b: Uint8Array, p: number, v: number): number {
  let n = v | 0;
  let digits = 1;
  for (let m = n; m >= 10; m = (m / 10) | 0) digits++;
  let q = p + digits;
  const end = q;
  while (n >= 100) {
    const r = (n % 100) << 1;
    n = (n / 100) | 0;
    b[--q] = PAIRS[r + 1]!;
    b[--q] = PAIRS[r]!;
  }
  if (n >= 10) {
    b[--q] = PAIRS[(n << 1) + 1]!;
    b[--q] = PAIRS[n << 1]!;
  } else b[--q] = ZERO + n;
  return end;
}

/** writeSeconds writes seconds6(x) for a fastTime x at p: sign, whole seconds, '.', six digits of micros. */
function writeSeconds(b: Uint8Array, p: number, x: number): number {
  let us = Math.round(x * 1e6);
  if (us < 0) {
    us = Math.round(-x * 1e6); // as seconds6: the rounding of -x, not the negated rounding of x
    b[p++] = MINUS;
  }
  const whole = Math.floor(us / 1e6);
  p = writeUint(b, p, whole);
  b[p] = DOT;
  let frac = (us - whole * 1e6) | 0;
  let r = (frac % 100) << 1;
  frac = (frac / 100) | 0;
  b[p + 6] = PAIRS[r + 1]!;
  b[p + 5] = PAIRS[r]!;
  r = (frac % 100) << 1;
  frac = (frac / 100) | 0;
  b[p + 4] = PAIRS[r + 1]!;
  b[p + 3] = PAIRS[r]!;
  r = frac << 1;
  b[p + 2] = PAIRS[r + 1]!;
  b[p + 1] = PAIRS[r]!;
  return p + 7;
}

/**
 * RawCsvEncoder writes request rows as CSV bytes straight into one reused buffer: digits are written
 * as bytes from integers (microseconds, two digits per step), with no string per field (formatRawRows
 * made six strings and a concatenation per row, and garbage for the collector). The bytes are exactly
 * formatRawRows' (a property test holds it to that): a row with a value off the fast paths (NaN,
 * infinities, 9e8 s or more, a fraction or a negative in an integer column, an unknown failure code)
 * is written as formatRawRows writes it.
 */
export class RawCsvEncoder {
  private buf: Buffer = Buffer.allocUnsafe(1 << 16);

  /** encode returns the CSV lines of `rows`; the bytes are a view of the encoder's buffer, valid until the next call. */
  encode(workerIndex: number, rows: Float64Array): Buffer {
    const tail = Buffer.from(`,${workerIndex}\n`, 'latin1');
    const rowMax = ROW_MAX + tail.length;
    const fields = REQUEST_ROW_FIELDS;
    let b = this.reserve(0, Math.ceil(rows.length / fields) * rowMax);
    let p = 0;
    let i = 0;
    for (; i + fields <= rows.length; i += fields) {
      const t0 = rows[i]!;
      const t1 = rows[i + 1]!;
      const status = rows[i + 2]!;
      const t3 = rows[i + 3]!;
      const bytes = rows[i + 4]!;
      const code = rows[i + 5]!;
      if (fastTime(t0) && fastTime(t1) && fastTime(t3) && fastInt(status) && fastInt(bytes) && (code | 0) === code && code >= 0 && code < FAILURE_BYTES.length) {
        // One call site each for writeSeconds and writeUint (not five inlined copies): TurboFan compiles
        // this loop in a background thread at every run's start, and its cost grows with the copies.
        for (let f = 0; f < 5; f++) {
          p = f === 2 || f === 4 ? writeUint(b, p, rows[i + f]!) : writeSeconds(b, p, rows[i + f]!);
          b[p++] = COMMA;
        }
        const name = FAILURE_BYTES[code]!;
        for (let k = 0; k < name.length; k++) b[p++] = name[k]!; // a loop: set() costs more than these few bytes
        for (let k = 0; k < tail.length; k++) b[p++] = tail[k]!;
      } else {
        const text = formatRawRows(workerIndex, rows.subarray(i, i + fields));
        b = this.reserve(p, text.length + Math.ceil((rows.length - i) / fields) * rowMax); // this row as text, then room for the rest as planned
        p += b.write(text, p, 'latin1');
      }
    }
    if (i < rows.length) {
      const text = formatRawRows(workerIndex, rows.subarray(i)); // a partial row, as formatRawRows writes it
      b = this.reserve(p, text.length);
      p += b.write(text, p, 'latin1');
    }
    return b.subarray(0, p);
  }

  /** reserve makes room for `n` more bytes after the first `used`, keeping them; returns the buffer. */
  private reserve(used: number, n: number): Buffer {
    if (used + n > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, used + n));
      this.buf.copy(next, 0, 0, used);
      this.buf = next;
    }
    return this.buf;
  }
}

/**
 * RawCsvReporter writes one row per request (`--csv`): elapsed_s (the request's intended start, from
 * the run's start), response_time_s, status (0 when no response), service_time_s, bytes, failure
 * (empty when OK), worker. Batches are appended as they arrive, each whole, so the file is
 * well-formed at any stop. A write that fails (a full disk) ends the file at its last whole row and is
 * reported to `options.onFailure` once, never thrown: the run and the other outputs go on.
 */
export class RawCsvReporter implements Reporter {
  private readonly file: OutputFile;
  private readonly encoder = new RawCsvEncoder();

  constructor(path: string, options: OutputFileOptions = {}) {
    this.file = new OutputFile(path, '--csv', options);
    this.file.write(RAW_CSV_HEADER + '\n');
  }

  /** failure is why the file stopped being written, if it did (it holds the whole rows before). */
  get failure(): OutputFailure | undefined {
    return this.file.failure;
  }

  onRows(workerIndex: number, rows: Float64Array): void {
    this.file.writeBytes(this.encoder.encode(workerIndex, rows));
  }

  onEnd(): void {
    this.file.close();
  }

  onAbort(): void {
    this.file.close();
  }
}
