import type { OutcomeKind } from '../core/failure-kinds.js';

/**
 * ResponseInfo is what one HTTP request ended as, reported by a connection. Connections reuse one
 * object per connection (no allocation per request): read it inside the callback, never keep it.
 * Times are performance.now() milliseconds.
 */
export interface ResponseInfo {
  /** `ok` when a whole response arrived (any status); otherwise the transport failure kind. */
  kind: OutcomeKind;
  /** HTTP status, 0 when no response head arrived. */
  status: number;
  /** bytes received for this response (head and body, as on the wire). */
  bytesIn: number;
  /** body bytes after de-chunking. */
  bodyBytes: number;
  /**
   * bytes of this request that provably left: the whole request once the socket reported it written
   * or an answer arrived, else 0 (see the connection for what it can prove).
   */
  bytesOut: number;
  /** when the request was written (after a connect, if one was needed). */
  sentAt: number;
  /** when the first byte of the response arrived (0 if none). */
  firstByteAt: number;
  /** when the response ended or the failure was seen. */
  endAt: number;
  /** connect time of a new connection for this request, -1 when a kept-alive one was reused. */
  connectMs: number;
  /** how late (ms) a `timeout` was seen past its deadline (a busy generator sees timers late); else 0. */
  timeoutLateMs: number;
  /** a short error message for failures ('' when ok), e.g. `ECONNREFUSED`. */
  error: string;
  /**
   * the failure's whole message when the error had more to say than `error` (its code), e.g.
   * `connect ECONNREFUSED 127.0.0.1:9` for `ECONNREFUSED` (see errorDetail); '' when `error` says it all.
   */
  detail: string;
  /** response headers, only when the connection was opened with `keepHeaders` (see `head` for `'raw'`). */
  headers: Record<string, string> | undefined;
  /**
   * with `keepHeaders: 'raw'`, the header lines as received (latin1, CRLF-ended, no status line) when
   * the connection keeps them unparsed (the lean HTTP/1.1 client; parseHeaderLines reads them), else
   * ''; a connection that parses anyway fills `headers` instead.
   */
  head: string;
  /** setCookie tells whether the kept headers (`headers` or `head`) hold a Set-Cookie. */
  setCookie: boolean;
  /** response body, only when the request asked for it with `keepBody`. */
  body: Buffer | undefined;
}

/** newResponseInfo returns a blank ResponseInfo for a connection to reuse. */
export function newResponseInfo(): ResponseInfo {
  return { kind: 'ok', status: 0, bytesIn: 0, bodyBytes: 0, bytesOut: 0, sentAt: 0, firstByteAt: 0, endAt: 0, connectMs: -1, timeoutLateMs: 0, error: '', detail: '', headers: undefined, head: '', setCookie: false, body: undefined };
}

/** resetResponseInfo clears a connection's reused ResponseInfo for a new request of `bytesOut` bytes. */
export function resetResponseInfo(info: ResponseInfo, bytesOut: number): void {
  info.kind = 'ok';
  info.status = 0;
  info.bytesIn = 0;
  info.bodyBytes = 0;
  info.bytesOut = bytesOut;
  info.sentAt = 0;
  info.firstByteAt = 0;
  info.endAt = 0;
  info.connectMs = -1;
  info.timeoutLateMs = 0;
  info.error = '';
  info.detail = '';
  info.headers = undefined;
  info.head = '';
  info.setCookie = false;
  info.body = undefined;
}

/** misuseResponse is the result of a request a connection cannot take (closed, or busy). */
export function misuseResponse(closed: boolean): ResponseInfo {
  const info = newResponseInfo();
  info.kind = closed ? 'aborted' : 'error';
  info.error = closed ? 'connection closed' : 'a request is already in flight on this connection';
  return info;
}
