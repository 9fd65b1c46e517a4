import { GauntletError } from '../core/errors.js';

/**
 * PreparedRequest is a request built once and sent many times: its wire bytes (for the lean
 * HTTP/1.1 path) and its parts (for undici) are computed up front, so sending it allocates nothing.
 */
export interface PreparedRequest {
  readonly url: URL;
  readonly method: string;
  /** header names lower-cased; host, content-length are added by prepareRequest. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | undefined;
  /** per-request timeout in milliseconds (whole request, connect included). */
  readonly timeoutMs: number;
  /** keepBody asks the connection to collect the body into ResponseInfo.body. */
  readonly keepBody: boolean;
  /**
   * retryStale lets the lean client send an idempotent request once more when a kept-alive connection
   * turns out closed before any byte of the answer. Durability tests turn it off for requests that
   * kill or wedge the server, where a retry would misbehave a second time and hide what happened.
   */
  readonly retryStale: boolean;
  /** wire is the whole HTTP/1.1 request (head and body) as bytes. */
  readonly wire: Buffer;
}

/** PrepareRequestOptions are the parts of a request before defaults. */
export interface PrepareRequestOptions {
  url: string | URL;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
  keepBody?: boolean;
  /** retryStale (default true): see PreparedRequest.retryStale. */
  retryStale?: boolean;
}

/** DEFAULT_TIMEOUT_MS is the per-request timeout when PrepareRequestOptions.timeoutMs is absent. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** USER_AGENT is sent unless the caller gives its own `user-agent`. */
export const USER_AGENT = 'gauntlet/0.1';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * prepareRequest applies the defaults (method GET, timeout 10 s, `host`, `user-agent`, and
 * `content-length` when there is a body, or 0 for POST/PUT/PATCH without one) and builds the
 * HTTP/1.1 wire bytes once, so sending the request later costs one `socket.write` and nothing else.
 * It throws a GauntletError for a URL that is not http(s) and for header names or values that would
 * break the framing (CR/LF), since those are mistakes in the user's input, found before any load runs.
 */
export function prepareRequest(opts: PrepareRequestOptions): PreparedRequest {
  let url: URL;
  try {
    url = typeof opts.url === 'string' ? new URL(opts.url) : opts.url;
  } catch (cause) {
    throw new GauntletError('GAUNTLET_CONFIG_INVALID', `invalid URL ${JSON.stringify(String(opts.url))}`, { hint: 'write a full URL such as http://127.0.0.1:8080/', cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new GauntletError('GAUNTLET_CONFIG_INVALID', `unsupported protocol ${url.protocol} in ${url.href}`, { hint: 'use an http:// or https:// URL' });
  }
  const method = (opts.method ?? 'GET').toUpperCase();
  if (!TOKEN.test(method)) throw new GauntletError('GAUNTLET_CONFIG_INVALID', `invalid HTTP method ${JSON.stringify(method)}`);
  const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? Buffer.from(opts.body, 'utf8') : opts.body;

  const headers: Record<string, string> = {};
  for (const [rawName, value] of Object.entries(opts.headers ?? {})) {
    const name = rawName.toLowerCase();
    if (!TOKEN.test(name)) throw new GauntletError('GAUNTLET_CONFIG_INVALID', `invalid header name ${JSON.stringify(rawName)}`);
    const v = String(value);
    if (/[\r\n\0]/.test(v)) throw new GauntletError('GAUNTLET_CONFIG_INVALID', `header ${rawName} holds a line break`, { hint: 'header values are one line' });
    headers[name] = v;
  }
  if (headers.host === undefined) headers.host = url.host;
  if (headers['user-agent'] === undefined) headers['user-agent'] = USER_AGENT;
  if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) {
    if (body !== undefined) headers['content-length'] = String(body.length);
    else if (BODY_METHODS.has(method)) headers['content-length'] = '0';
  }

  let head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\n`;
  for (const name of Object.keys(headers)) head += `${name}: ${headers[name]}\r\n`;
  head += '\r\n';
  const headBytes = Buffer.from(head, 'latin1');
  const wire = body === undefined || body.length === 0 ? headBytes : Buffer.concat([headBytes, body]);

  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs > 0 && timeoutMs <= 2_147_483_647)) throw new GauntletError('GAUNTLET_CONFIG_INVALID', `invalid timeout ${timeoutMs} ms`, { hint: 'give a positive timeout' });

  return {
    url,
    method,
    headers,
    body,
    timeoutMs,
    keepBody: opts.keepBody ?? false,
    retryStale: opts.retryStale ?? true,
    wire,
  };
}
