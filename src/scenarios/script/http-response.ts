import type { OutcomeKind } from '../../core/failure-kinds.js';
import { parseHeaderLines } from '../../transport/header-lines.js';

/** ResponseTimings are one request's phases in milliseconds (k6's `res.timings`). */
export interface ResponseTimings {
  /** duration counts from the intended start: queueing in the open model is included on an iteration's first request. */
  readonly duration: number;
  /** service counts from when the session started the request (connect included). */
  readonly service: number;
  /** connecting is the TCP (and TLS) connect time of a new connection, 0 on a kept-alive one. */
  readonly connecting: number;
  /** waiting is the time to first byte after the request was written. */
  readonly waiting: number;
  /** receiving is the time from the first byte to the end of the body. */
  readonly receiving: number;
}

const EMPTY = Buffer.alloc(0);

/**
 * HttpResponse is what a session request resolves to. It never throws for a failed request (as in
 * k6): a transport failure has `status` 0, `kind` the failure kind and `error` a short message; an
 * unexpected status has `kind: 'status'`. `ok` means *as expected* (2xx/3xx, or the `expect` given).
 * Header names are lower-case.
 */
export class HttpResponse {
  readonly url: string;
  readonly method: string;
  readonly name: string | undefined;
  readonly status: number;
  readonly kind: OutcomeKind;
  readonly error: string;
  readonly body: Buffer;
  readonly timings: ResponseTimings;
  private headerMap: Record<string, string> | undefined;
  /** head: the header lines as received, parsed into headerMap on first read ('' when headers came parsed, or none). */
  private readonly head: string;

  /** `head` is the connection's raw header lines (ResponseInfo.head), parsed only if `headers` is read. */
  constructor(init: { url: string; method: string; name: string | undefined; status: number; kind: OutcomeKind; error: string; body: Buffer | undefined; headers: Record<string, string> | undefined; head?: string; timings: ResponseTimings }) {
    this.url = init.url;
    this.method = init.method;
    this.name = init.name;
    this.status = init.status;
    this.kind = init.kind;
    this.error = init.error;
    this.body = init.body ?? EMPTY;
    this.headerMap = init.headers;
    this.head = init.head ?? '';
    this.timings = init.timings;
  }

  /** ok says the request ended as expected. */
  get ok(): boolean {
    return this.kind === 'ok';
  }

  /** headers maps lower-case header names to values (repeated headers joined with ", "). */
  get headers(): Record<string, string> {
    return (this.headerMap ??= this.head === '' ? {} : parseHeaderLines(this.head));
  }

  /** text decodes the body as UTF-8. */
  text(): string {
    return this.body.toString('utf8');
  }

  /** json parses the body as JSON; a body that is not JSON throws (an iteration error, with the URL). */
  json<T = unknown>(): T {
    try {
      return JSON.parse(this.body.toString('utf8')) as T;
    } catch (err) {
      const preview = this.body.subarray(0, 60).toString('utf8');
      throw new Error(`${this.method} ${this.url} → ${this.status}: body is not JSON (${(err as Error).message}): ${JSON.stringify(preview)}`);
    }
  }
}
