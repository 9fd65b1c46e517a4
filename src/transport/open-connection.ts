import type { ConnectionOptions, HttpConnection } from './http-connection.js';
import { Http1Connection } from './http1-connection.js';
import { UndiciConnection } from './undici-connection.js';

/**
 * openConnection picks the client for one virtual user's connection to `origin`: the lean
 * Http1Connection for plain `http:` (the fast path), undici for `https:` and for HTTP/2 (ALPN on
 * https, prior knowledge on http). The connection opens lazily on its first request.
 */
export function openConnection(origin: URL, options: ConnectionOptions = {}): HttpConnection {
  if (origin.protocol === 'http:' && options.http2 !== true) return new Http1Connection(origin, options);
  return new UndiciConnection(origin, options);
}
