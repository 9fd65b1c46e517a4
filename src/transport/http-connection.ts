import type { ResponseInfo } from './response-info.js';
import type { PreparedRequest } from './prepared-request.js';

/** ResponseCallback receives the connection's reused ResponseInfo; read it synchronously. */
export type ResponseCallback = (res: ResponseInfo) => void;

/**
 * HttpConnection is one virtual user's connection to one origin: keep-alive, one request at a time
 * (no pipelining). It connects lazily on the first request and again after the server closed it
 * (`Connection: close`, an error, a timeout). Every `request` calls its callback exactly once, with
 * `kind: 'ok'` for any whole response (status judging is the caller's business) or a failure kind.
 */
export interface HttpConnection {
  request(req: PreparedRequest, cb: ResponseCallback): void;
  /** close ends the connection; an in-flight request completes at once with kind `aborted`. */
  close(): void;
}

/** ConnectionOptions choose the client: the lean HTTP/1.1 path, or undici (https, HTTP/2). */
export interface ConnectionOptions {
  /** http2 negotiates HTTP/2 (undici, ALPN on https; prior knowledge on http). */
  http2?: boolean;
  /** insecure skips TLS certificate checks. */
  insecure?: boolean;
  /**
   * keepHeaders fills ResponseInfo.headers (costs an object per response); `'raw'` lets a connection
   * that reads the bytes itself keep the header lines unparsed in ResponseInfo.head (one string).
   */
  keepHeaders?: boolean | 'raw';
}
