import { performance } from 'node:perf_hooks';
import type { Client, Dispatcher } from 'undici';
import { lazyRequire } from '../core/lazy-require.js';
import type { OutcomeKind } from '../core/failure-kinds.js';
import { GauntletError } from '../core/errors.js';
import { classifyError, errorDetail, errorText } from './classify-error.js';
import type { ConnectionOptions, HttpConnection, ResponseCallback } from './http-connection.js';
import type { PreparedRequest } from './prepared-request.js';
import { DeadlineTimer } from './deadline-timer.js';
import { misuseResponse, newResponseInfo, resetResponseInfo, type ResponseInfo } from './response-info.js';

/** undici loads on the first https or HTTP/2 connection (lazyRequire). */
const undici = lazyRequire<typeof import('undici')>('undici');

/** Dispatch options built once per PreparedRequest (the request is immutable). */
const DISPATCH = new WeakMap<PreparedRequest, Dispatcher.DispatchOptions>();

function dispatchOptions(req: PreparedRequest): Dispatcher.DispatchOptions {
  let d = DISPATCH.get(req);
  if (d === undefined) {
    d = {
      path: `${req.url.pathname}${req.url.search}`,
      method: req.method as Dispatcher.HttpMethod,
      headers: req.headers as Record<string, string>,
      body: req.body ?? null,
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
    };
    DISPATCH.set(req, d);
  }
  return d;
}

/**
 * UndiciExchange is the undici handler of one request (undici's classic handler protocol, which it
 * runs without an adapter). It is one small object per request so that events of an exchange the
 * connection has given up on (timed out, closed) can be told apart and ignored.
 */
class UndiciExchange implements Dispatcher.DispatchHandler {
  /** settled: the connection has reported this exchange; later events are ignored. */
  settled = false;
  abort: ((err?: Error) => void) | null = null;

  constructor(
    private readonly conn: UndiciConnection,
    private readonly info: ResponseInfo,
    private readonly keepHeaders: boolean,
    private readonly keepBody: boolean,
  ) {}

  private pieces: Buffer[] | null = null;

  onConnect(abort: (err?: Error) => void): void {
    if (this.settled) return abort();
    this.abort = abort;
    this.info.sentAt = performance.now();
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], _resume: () => void, statusText: string): boolean {
    if (this.settled) return false;
    const info = this.info;
    if (info.firstByteAt === 0) {
      info.firstByteAt = performance.now();
      // undici does not tell what the kernel took; an answer proves the request went out.
      info.bytesOut = this.conn.sendBytes;
    }
    // Head size as HTTP/1.1 text; for HTTP/2 (HPACK) this is an estimate, not the wire size.
    let n = 15 + statusText.length + 2;
    for (let i = 0; i < rawHeaders.length; i++) n += rawHeaders[i]!.length + 2;
    info.bytesIn += n;
    if (statusCode >= 100 && statusCode < 200) return true;
    info.status = statusCode;
    if (this.keepHeaders) {
      const h: Record<string, string> = {};
      for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
        const name = rawHeaders[i]!.toString('latin1').toLowerCase();
        const value = rawHeaders[i + 1]!.toString('latin1');
        const had = h[name];
        h[name] = had === undefined ? value : `${had}, ${value}`;
      }
      info.headers = h;
      info.setCookie = h['set-cookie'] !== undefined;
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.settled) return false;
    this.info.bodyBytes += chunk.length;
    this.info.bytesIn += chunk.length;
    if (this.keepBody) (this.pieces ??= []).push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.settled) return;
    const info = this.info;
    if (this.keepBody) {
      const p = this.pieces;
      info.body = p === null ? Buffer.alloc(0) : p.length === 1 ? p[0] : Buffer.concat(p);
    }
    this.conn.settle(this, 'ok', '');
  }

  onError(err: Error): void {
    if (this.settled) return;
    this.conn.settle(this, classifyError(err), errorText(err), false, errorDetail(err));
  }

  onUpgrade(): void {
    if (this.settled) return;
    this.conn.settle(this, 'protocol', 'unexpected protocol upgrade');
  }
}

/**
 * UndiciConnection is the HttpConnection for https and HTTP/2, built on one undici `Client` with
 * pipelining 1: TLS (with `insecure`, certificates go unchecked), ALPN h2 when `http2` is set on
 * https, and HTTP/2 with prior knowledge (h2c) when `http2` is set on http. It fills the same reused
 * ResponseInfo as Http1Connection: sentAt when undici writes the request, firstByteAt when the
 * response head arrives, endAt at the end; connectMs for the request that waited for a new
 * connection (TLS handshake included). bytesOut is the request's size as HTTP/1.1 text once the
 * server answered (undici does not show what the kernel took), 0 for a request never answered; bytesIn counts the head as HTTP/1.1 text plus the body, since
 * undici does not show wire bytes (chunk and HTTP/2 framing are not counted). Timeouts use one timer
 * per connection, as in Http1Connection.
 */
export class UndiciConnection implements HttpConnection {
  private readonly origin: URL;
  private readonly clientOptions: Client.Options;
  private readonly keepHeaders: boolean;
  private readonly info: ResponseInfo = newResponseInfo();
  private client: Client | null = null;
  private exchange: UndiciExchange | null = null;
  private cb: ResponseCallback | null = null;
  private req: PreparedRequest | null = null;
  private startAt = 0;
  private readonly timer = new DeadlineTimer(() => this.exchange !== null, (late) => this.onTimeout(late));
  private closed = false;
  private dispatching = false;
  /** sendBytes is the in-flight request's size as HTTP/1.1 text, counted once the server answers. */
  sendBytes = 0;

  constructor(origin: URL, options: ConnectionOptions = {}) {
    if (origin.protocol !== 'http:' && origin.protocol !== 'https:') {
      throw new GauntletError('GAUNTLET_CONFIG_INVALID', `unsupported protocol ${origin.protocol}`, { hint: 'use an http:// or https:// URL' });
    }
    this.origin = new URL(origin.origin);
    this.keepHeaders = options.keepHeaders === true || options.keepHeaders === 'raw';
    const h2 = options.http2 === true;
    this.clientOptions = {
      pipelining: 1,
      allowH2: h2,
      ...(h2 && origin.protocol === 'http:' ? { useH2c: true } : {}),
      connect: { rejectUnauthorized: options.insecure !== true },
    };
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
    this.sendBytes = req.wire.length;
    this.cb = cb;
    this.req = req;
    this.startAt = now;

    this.timer.start(now, req.timeoutMs);

    const ex = new UndiciExchange(this, info, this.keepHeaders, req.keepBody);
    this.exchange = ex;
    // undici reports some failures (invalid options, a write that fails at once) from inside
    // dispatch; settle defers those to a later tick, as the contract promises.
    this.dispatching = true;
    try {
      this.ensureClient().dispatch(dispatchOptions(req), ex);
    } catch (err) {
      this.settle(ex, classifyError(err), errorText(err), false, errorDetail(err));
    } finally {
      this.dispatching = false;
    }
  }

  /** close ends the connection; an in-flight request completes at once with kind `aborted`. */
  close(): void {
    this.closed = true;
    this.timer.clear();
    const ex = this.exchange;
    if (ex !== null) this.settle(ex, 'aborted', 'connection closed', true);
    this.dropClient();
  }

  /** settle reports `ex` once (later calls and stale exchanges are ignored). */
  settle(ex: UndiciExchange, kind: OutcomeKind, error: string, deferred = false, detail = ''): void {
    if (ex.settled || ex !== this.exchange) return;
    // A failure is reported a tick later: undici calls onError from inside its own error handling
    // (a failed TLS connect, say), and a next request dispatched from there trips its assertions.
    if (this.dispatching || (kind !== 'ok' && !deferred)) {
      process.nextTick(() => this.settle(ex, kind, error, true, detail));
      return;
    }
    ex.settled = true;
    this.exchange = null;
    this.report(kind, error, detail);
  }

  private report(kind: OutcomeKind, error: string, detail = ''): void {
    const info = this.info;
    info.kind = kind;
    info.error = error;
    info.detail = detail;
    info.endAt = performance.now();
    const cb = this.cb!;
    this.cb = null;
    this.req = null;
    cb(info);
  }

  private ensureClient(): Client {
    if (this.client !== null) return this.client;
    const c = new (undici().Client)(this.origin, this.clientOptions);
    c.on('connect', () => {
      if (c !== this.client) return;
      // The in-flight request that undici has not yet written waited for this connection.
      const ex = this.exchange;
      if (ex !== null && ex.abort === null) this.info.connectMs = performance.now() - this.startAt;
    });
    this.client = c;
    return c;
  }

  private dropClient(): void {
    const c = this.client;
    if (c === null) return;
    this.client = null;
    c.destroy().catch(() => {});
  }

  private onTimeout(lateMs: number): void {
    this.info.timeoutLateMs = lateMs;
    const ex = this.exchange!;
    // Give up on the exchange first (its abort error is then ignored), then abort the request on
    // its socket (HTTP/1.1) or stream (HTTP/2); one still waiting for a connection can only be
    // dropped with its client, which is made again on the next request.
    ex.settled = true;
    this.exchange = null;
    if (ex.abort !== null) ex.abort(new Error('timeout'));
    else this.dropClient();
    this.report('timeout', `timed out after ${this.req!.timeoutMs} ms`);
  }

}
