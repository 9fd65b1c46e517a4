import type { OutcomeKind } from '../../core/failure-kinds.js';
import { prepareRequest, type PreparedRequest } from '../../transport/prepared-request.js';
import type { ResponseInfo } from '../../transport/response-info.js';
import { parseHeaderLines } from '../../transport/header-lines.js';
import { CookieJar, splitSetCookie } from './cookie-jar.js';
import { tagValue, type HttpMetrics } from '../../metrics/http-metrics.js';
import { HttpResponse } from './http-response.js';
import { OriginConnections } from './origin-connections.js';

/** RequestOptions shape one request of a script. */
export interface RequestOptions {
  headers?: Record<string, string>;
  /** body is sent as is. */
  body?: string | Buffer | Uint8Array;
  /** json is serialized and sent with `content-type: application/json`. */
  json?: unknown;
  /** form is sent url-encoded. */
  form?: Record<string, string | number | boolean>;
  query?: Record<string, string | number | boolean>;
  /** name groups requests in the summary and tags their metrics (`http_req_duration{name:upload}`). */
  name?: string;
  /** expect says what OK means for this request; without it 2xx and 3xx are OK. */
  expect?: { status: number | readonly number[] };
  /** timeout in milliseconds (whole request, connect included), defaults to the session's. */
  timeout?: number;
  /** redirects caps how many redirects are followed (each is its own request); 0 returns the 3xx. */
  redirects?: number;
}

/** HttpSessionOptions configure a user's session (from the plan). */
export interface HttpSessionOptions {
  /** target is the base URL relative paths resolve against (`--target`). */
  target: string | undefined;
  headers?: Record<string, string>;
  timeoutMs?: number | undefined;
  /** insecure skips TLS certificate checks. */
  insecure?: boolean | undefined;
  maxRedirects?: number;
  /** connections caps concurrent connections per origin for this user (parallel requests), 6 by default. */
  connections?: number;
}

/** Resolved is a request URL taken apart once; paths without a query are cached per target. */
interface Resolved {
  readonly url: URL;
  readonly href: string;
  readonly origin: string;
  readonly hostname: string;
  readonly pathname: string;
  readonly secure: boolean;
}

type Body = { data: string | Buffer; type: string | undefined } | undefined;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** DEFAULT_SCRIPT_TIMEOUT_MS is this.http's per-request timeout when neither --timeout nor the config sets one. */
export const DEFAULT_SCRIPT_TIMEOUT_MS = 30_000;

const NO_OPTIONS: RequestOptions = Object.freeze({});
const ABORTED_TIMINGS = { duration: 0, service: 0, connecting: 0, waiting: 0, receiving: 0 };
const CACHE_MAX = 1000;
const PREPARED_MAX = 64;
/** resolvedCaches holds one URL cache per target, shared by every user of a worker. */
const resolvedCaches = new Map<string, Map<string, Resolved>>();
const now = () => performance.now();

/**
 * HttpSession is one virtual user's HTTP client (Mozilla Loads' session, k6's http): requests are
 * relative to the target, cookies are kept per user, default headers are sent, and every request
 * is recorded into the worker's HttpMetrics. Each user has its own keep-alive connections
 * (OriginConnections over the transport's clients), as each k6 VU and Locust user has. A request
 * without a body or per-request headers is prepared once and its wire bytes reused.
 *
 * Timing: `http_req_duration` counts from when the session started the request, connect included;
 * on the first request of an iteration in the open model it also includes the time the iteration
 * waited for a free user after its due time (`queueDelayMs`), so coordinated omission is not hidden.
 * `http_req_service_time` leaves that wait out.
 */
export class HttpSession {
  /** cookies is this user's cookie jar. */
  readonly cookies = new CookieJar();
  /** failures counts the requests that did not end as expected (recorded ones), so an iteration can tell it had one. */
  failures = 0;
  /** queueDelayMs is added to the next request's response time once (set per iteration by the runner). */
  queueDelayMs = 0;
  private readonly metrics: HttpMetrics | undefined;
  private readonly base: { origin: string; prefix: string } | undefined;
  private readonly cache: Map<string, Resolved>;
  private readonly defaultHeaders: Record<string, string> = {};
  private readonly timeoutMs: number;
  private readonly insecure: boolean;
  private readonly maxRedirects: number;
  private readonly connections: number;
  private readonly origins = new Map<string, OriginConnections>();
  private readonly prepared = new Map<string, PreparedRequest>();
  /** last is the request prepared last, reused without building a key while method, URL, timeout and cookie stay. */
  private last: { method: string; url: Resolved; timeoutMs: number; cookie: string | undefined; req: PreparedRequest } | undefined;
  private aborted = false;

  constructor(options: HttpSessionOptions, metrics: HttpMetrics | undefined) {
    this.metrics = metrics;
    if (options.target !== undefined) {
      const u = new URL(options.target);
      this.base = { origin: u.origin, prefix: u.pathname.replace(/\/+$/, '') };
    }
    for (const [k, v] of Object.entries(options.headers ?? {})) this.defaultHeaders[k.toLowerCase()] = v;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_SCRIPT_TIMEOUT_MS;
    this.insecure = options.insecure ?? false;
    this.maxRedirects = options.maxRedirects ?? 10;
    this.connections = options.connections ?? 6;
    const key = options.target ?? '';
    let cache = resolvedCaches.get(key);
    if (cache === undefined) resolvedCaches.set(key, (cache = new Map()));
    this.cache = cache;
  }

  /** get sends a GET. */
  get(path: string, options?: RequestOptions): Promise<HttpResponse> {
    return this.request('GET', path, options);
  }
  /** post sends a POST (give `body`, `json` or `form`). */
  post(path: string, options?: RequestOptions): Promise<HttpResponse> {
    return this.request('POST', path, options);
  }
  /** put sends a PUT. */
  put(path: string, options?: RequestOptions): Promise<HttpResponse> {
    return this.request('PUT', path, options);
  }
  /** patch sends a PATCH. */
  patch(path: string, options?: RequestOptions): Promise<HttpResponse> {
    return this.request('PATCH', path, options);
  }
  /** delete sends a DELETE. */
  delete(path: string, options?: RequestOptions): Promise<HttpResponse> {
    return this.request('DELETE', path, options);
  }
  /** head sends a HEAD. */
  head(path: string, options?: RequestOptions): Promise<HttpResponse> {
    return this.request('HEAD', path, options);
  }

  /**
   * request sends one request (following redirects, each recorded as its own request) and resolves
   * to the last response. It never rejects for a network failure: see HttpResponse. A malformed
   * request (a header with a line break, a relative path without a target) throws.
   */
  request(method: string, path: string, options: RequestOptions = NO_OPTIONS): Promise<HttpResponse> {
    // Not an async function: one promise per request, settled from the connection's callback.
    let url: Resolved;
    let body: Body;
    let m: string;
    try {
      url = this.resolve(path, options.query);
      m = method.toUpperCase();
      body = encodeBody(options);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return new Promise<HttpResponse>((resolve, reject) => {
      const max = options.redirects ?? this.maxRedirects;
      const wanted = options.expect?.status;
      this.send(m, url, options, body, (res) => {
        if (max > 0 && REDIRECTS.has(res.status) && !expects(wanted, res.status)) this.follow(res, m, url, options, body, max, wanted, resolve, reject);
        else resolve(res);
      });
    });
  }

  /** abort ends in-flight requests at once; later requests return `aborted` without touching the network. */
  abort(): void {
    this.aborted = true;
    this.close();
  }

  /** close releases this user's connections. */
  close(): void {
    for (const o of this.origins.values()) o.close();
    this.origins.clear();
  }

  private resolve(path: string, query: RequestOptions['query']): Resolved {
    if (query === undefined) {
      const hit = this.cache.get(path);
      if (hit !== undefined) return hit;
    }
    let url: URL;
    if (path.startsWith('/') && !path.startsWith('//') && this.base !== undefined) url = new URL(this.base.prefix + path, this.base.origin);
    else if (/^[a-z][a-z0-9+.-]*:/i.test(path)) url = new URL(path);
    else if (this.base !== undefined) url = new URL(`${this.base.prefix}/${path}`, this.base.origin);
    else throw new Error(`http: '${path}' is relative but no target is set (use --target or a full URL)`);
    if (query !== undefined) {
      for (const [k, v] of Object.entries(query)) url.searchParams.append(k, String(v));
      return resolved(url);
    }
    const r = resolved(url);
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(path, r);
    return r;
  }

  private connectionsTo(url: Resolved): OriginConnections {
    let o = this.origins.get(url.origin);
    if (o === undefined) {
      o = new OriginConnections(new URL(url.origin), { insecure: this.insecure, keepHeaders: 'raw' }, this.connections);
      this.origins.set(url.origin, o);
    }
    return o;
  }

  /** prepare builds the request, reusing a prepared one when nothing but the URL and cookie varies. */
  private prepare(method: string, url: Resolved, options: RequestOptions, body: Body, cookie: string | undefined): PreparedRequest {
    const timeoutMs = options.timeout ?? this.timeoutMs;
    const reusable = body === undefined && options.headers === undefined;
    if (!reusable) return this.build(method, url, options, body, cookie, timeoutMs);
    const last = this.last;
    if (last !== undefined && last.url === url && last.method === method && last.timeoutMs === timeoutMs && last.cookie === cookie) return last.req;
    const key = `${method} ${url.href} ${timeoutMs} ${cookie ?? ''}`;
    let req = this.prepared.get(key);
    if (req === undefined) {
      req = this.build(method, url, options, body, cookie, timeoutMs);
      if (this.prepared.size >= PREPARED_MAX) this.prepared.clear();
      this.prepared.set(key, req);
    }
    this.last = { method, url, timeoutMs, cookie, req };
    return req;
  }

  /** build makes the request's wire bytes (default headers, content type, cookie, per-request headers). */
  private build(method: string, url: Resolved, options: RequestOptions, body: Body, cookie: string | undefined, timeoutMs: number): PreparedRequest {
    const headers: Record<string, string> = { ...this.defaultHeaders };
    if (body?.type !== undefined) headers['content-type'] = body.type;
    if (cookie !== undefined) headers['cookie'] = cookie;
    if (options.headers !== undefined) for (const k in options.headers) headers[k.toLowerCase()] = options.headers[k]!;
    return prepareRequest({ url: url.url, method, headers, ...(body === undefined ? {} : { body: body.data }), timeoutMs, keepBody: method !== 'HEAD' });
  }

  /** follow follows redirects from `first` (each hop its own recorded request) and settles with the last response. */
  private follow(first: HttpResponse, method: string, from: Resolved, options: RequestOptions, firstBody: Body, max: number, wanted: number | readonly number[] | undefined, resolve: (r: HttpResponse) => void, reject: (e: unknown) => void): void {
    let m = method;
    let url = from;
    let body = firstBody;
    let hop = 0;
    const step = (res: HttpResponse): void => {
      if (hop >= max || !REDIRECTS.has(res.status) || expects(wanted, res.status)) return resolve(res);
      const loc = res.headers['location'];
      if (loc === undefined) return resolve(res);
      hop++;
      try {
        url = resolved(new URL(loc, url.url));
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && m === 'POST')) {
          m = m === 'HEAD' ? 'HEAD' : 'GET';
          body = undefined;
        }
        this.send(m, url, options, body, step);
      } catch (err) {
        reject(err);
      }
    };
    step(first);
  }

  /** send sends one request and calls `done` with its response (from a later event). */
  private send(method: string, url: Resolved, options: RequestOptions, body: Body, done: (res: HttpResponse) => void): void {
    if (this.aborted) {
      const res = new HttpResponse({ url: url.href, method, name: options.name, status: 0, kind: 'aborted', error: 'aborted', body: undefined, headers: undefined, timings: ABORTED_TIMINGS });
      queueMicrotask(() => done(res));
      return;
    }
    const cookie = this.cookies.size > 0 ? this.cookies.header(url.hostname, url.pathname, url.secure) : undefined;
    const req = this.prepare(method, url, options, body, cookie);
    const conns = this.connectionsTo(url);
    const queueDelay = this.queueDelayMs;
    this.queueDelayMs = 0;
    const startAt = now();
    conns.send(req, (info) => done(this.finish(info, url, method, options, startAt, queueDelay)));
  }

  /** finish reads the connection's reused ResponseInfo (synchronously), stores cookies, judges and records. */
  private finish(info: ResponseInfo, url: Resolved, method: string, options: RequestOptions, startAt: number, queueDelay: number): HttpResponse {
    let kind: OutcomeKind = info.kind;
    const status = info.status;
    // Headers stay unparsed (info.head) unless the jar needs them or the script reads them.
    let headers = info.headers;
    if (info.setCookie) {
      headers ??= parseHeaderLines(info.head);
      const set = headers['set-cookie'];
      if (set !== undefined) for (const c of splitSetCookie(set)) this.cookies.setCookie(c, url.hostname, url.pathname);
    }
    const wanted = options.expect?.status;
    if (kind === 'ok' && !(wanted === undefined ? status >= 200 && status < 400 : expects(wanted, status))) kind = 'status';
    const end = info.endAt > 0 ? info.endAt : now();
    const service = end - startAt;
    const duration = service + queueDelay;
    const waiting = info.firstByteAt > 0 && info.sentAt > 0 ? info.firstByteAt - info.sentAt : 0;
    const receiving = info.firstByteAt > 0 ? end - info.firstByteAt : 0;
    if (kind !== 'ok' && !(kind === 'aborted' && this.aborted)) this.failures++;
    if (this.metrics !== undefined && !(kind === 'aborted' && this.aborted)) {
      this.metrics.record(kind, info, startAt - queueDelay, startAt, options.name === undefined ? undefined : this.metrics.tagged('name', tagValue(options.name), true));
    }
    return new HttpResponse({ url: url.href, method, name: options.name, status, kind, error: info.error, body: info.body, headers, head: info.head, timings: { duration, service, connecting: info.connectMs < 0 ? 0 : info.connectMs, waiting, receiving } });
  }
}

function resolved(url: URL): Resolved {
  return { url, href: url.href, origin: url.origin, hostname: url.hostname, pathname: url.pathname, secure: url.protocol === 'https:' };
}

function expects(wanted: number | readonly number[] | undefined, status: number): boolean {
  if (wanted === undefined) return false;
  return typeof wanted === 'number' ? wanted === status : wanted.includes(status);
}

function encodeBody(o: RequestOptions): Body {
  if (o.json !== undefined) return { data: JSON.stringify(o.json), type: 'application/json' };
  if (o.form !== undefined) {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(o.form)) p.append(k, String(v));
    return { data: p.toString(), type: 'application/x-www-form-urlencoded' };
  }
  if (o.body !== undefined) return { data: typeof o.body === 'string' || Buffer.isBuffer(o.body) ? o.body : Buffer.from(o.body.buffer, o.body.byteOffset, o.body.byteLength), type: undefined };
  return undefined;
}
