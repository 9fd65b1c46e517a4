import { buildConnector, Pool, type Dispatcher } from 'undici';
import type { OutcomeKind } from '../core/failure-kinds.js';
import { CookieJar } from './cookie-jar.js';
import { classifyError, errorText } from '../transport/classify-error.js';
import type { HttpMetrics } from './http-metrics.js';
import { HttpResponse } from './http-response.js';

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
  /** timeout in milliseconds (whole request), defaults to the session's. */
  timeout?: number;
  /** redirects caps how many redirects are followed (each is its own request); 0 returns the 3xx. */
  redirects?: number;
}

/** HttpSessionOptions configure a user's session (from the plan). */
export interface HttpSessionOptions {
  /** target is the base URL relative paths resolve against (`--target`). */
  target: string | undefined;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** insecure skips TLS certificate checks. */
  insecure?: boolean;
  maxRedirects?: number;
  /** connections caps concurrent connections per origin for this user (parallel requests), 6 by default. */
  connections?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const ABORTED_TIMINGS = { duration: 0, service: 0, connecting: 0, waiting: 0, receiving: 0 };
const now = () => performance.now();

/** Resolved is a request URL taken apart once; paths without a query are cached per target. */
interface Resolved {
  readonly url: URL;
  readonly href: string;
  readonly origin: string;
  readonly hostname: string;
  readonly pathname: string;
  readonly pathQuery: string;
  readonly secure: boolean;
  /** lineBytes is the size of the request line and the host header on the wire, less the method. */
  readonly lineBytes: number;
}

const RESOLVED_CACHE_MAX = 1000;
/** resolvedCaches holds one cache per target, shared by every user of a worker. */
const resolvedCaches = new Map<string, Map<string, Resolved>>();

function resolved(url: URL): Resolved {
  const pathQuery = url.pathname + url.search;
  return { url, href: url.href, origin: url.origin, hostname: url.hostname, pathname: url.pathname, pathQuery, secure: url.protocol === 'https:', lineBytes: pathQuery.length + 13 + 8 + url.host.length };
}

interface Origin {
  pool: Pool;
  host: string;
  secure: boolean;
  /** connects counts finished connects; lastConnectMs is the latest one's time. */
  connects: number;
  claimed: number;
  lastConnectMs: number;
}

/**
 * HttpSession is one virtual user's HTTP client (Mozilla Loads' session, k6's http): requests are
 * relative to the target, cookies are kept per user, default headers are sent, and every request
 * is recorded into the worker's HttpMetrics. Each user has its own connections (an undici Pool per
 * origin, one connection unless requests run in parallel), as each k6 VU and Locust user has.
 *
 * Timing: `http_req_duration` counts from when the session started the request, connect included;
 * on the first request of an iteration in the open model it also includes the time the iteration
 * waited for a free user after its due time (`queueDelayMs`), so coordinated omission is not hidden.
 * `http_req_service_time` leaves that wait out.
 */
export class HttpSession {
  /** cookies is this user's cookie jar. */
  readonly cookies = new CookieJar();
  /** queueDelayMs is added to the next request's response time once (set per iteration by the runner). */
  queueDelayMs = 0;
  private readonly metrics: HttpMetrics | undefined;
  private readonly base: { origin: string; prefix: string } | undefined;
  private readonly cache: Map<string, Resolved>;
  private readonly defaultHeaders: string[];
  private readonly defaultHeaderBytes: number;
  private readonly timeoutMs: number;
  private readonly insecure: boolean;
  private readonly maxRedirects: number;
  private readonly connections: number;
  private readonly origins = new Map<string, Origin>();
  private aborted = false;

  constructor(options: HttpSessionOptions, metrics: HttpMetrics | undefined) {
    this.metrics = metrics;
    if (options.target !== undefined) {
      const u = new URL(options.target);
      this.base = { origin: u.origin, prefix: u.pathname.replace(/\/+$/, '') };
    }
    const headers: Record<string, string> = { 'user-agent': 'gauntlet' };
    for (const [k, v] of Object.entries(options.headers ?? {})) headers[k.toLowerCase()] = v;
    this.defaultHeaders = Object.entries(headers).flat();
    this.defaultHeaderBytes = this.defaultHeaders.reduce((n, h) => n + h.length + 2, 0);
    const key = options.target ?? '';
    let cache = resolvedCaches.get(key);
    if (cache === undefined) resolvedCaches.set(key, (cache = new Map()));
    this.cache = cache;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.insecure = options.insecure ?? false;
    this.maxRedirects = options.maxRedirects ?? 10;
    this.connections = options.connections ?? 6;
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
   * to the last response. It never rejects for a network failure: see HttpResponse.
   */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<HttpResponse> {
    let url = this.resolve(path, options.query);
    let m = method.toUpperCase();
    let body = encodeBody(options);
    let res = await this.send(m, url, options, body);
    const max = options.redirects ?? this.maxRedirects;
    const wanted = options.expect?.status;
    for (let hop = 0; hop < max && REDIRECTS.has(res.status) && !expects(wanted, res.status); hop++) {
      const loc = res.headers['location'];
      if (loc === undefined) break;
      url = resolved(new URL(loc, url.url));
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && m === 'POST')) {
        m = m === 'HEAD' ? 'HEAD' : 'GET';
        body = undefined;
      }
      res = await this.send(m, url, options, body);
    }
    return res;
  }

  /** abort ends in-flight requests at once; later requests return `aborted` without touching the network. */
  abort(): void {
    this.aborted = true;
    this.destroyPools();
  }

  /** close releases this user's connections. */
  close(): void {
    this.destroyPools();
  }

  private destroyPools(): void {
    for (const o of this.origins.values()) o.pool.destroy().catch(() => {});
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
    if (this.cache.size >= RESOLVED_CACHE_MAX) this.cache.clear();
    this.cache.set(path, r);
    return r;
  }

  private origin(url: Resolved): Origin {
    let o = this.origins.get(url.origin);
    if (o === undefined) {
      const connect = buildConnector({ rejectUnauthorized: !this.insecure, timeout: this.timeoutMs });
      const rec: Origin = { pool: undefined as unknown as Pool, host: url.hostname, secure: url.secure, connects: 0, claimed: 0, lastConnectMs: 0 };
      rec.pool = new Pool(url.origin, {
        connections: this.connections,
        pipelining: 1,
        connect: (opts, cb) => {
          const t = now();
          connect(opts, (err, socket) => {
            if (err === null) {
              rec.lastConnectMs = now() - t;
              rec.connects++;
            }
            (cb as (e: Error | null, s: unknown) => void)(err, socket);
          });
        },
      });
      o = rec;
      this.origins.set(url.origin, o);
    }
    return o;
  }

  private send(method: string, url: Resolved, options: RequestOptions, body: { data: string | Buffer | Uint8Array; type: string | undefined } | undefined): Promise<HttpResponse> {
    const urlText = url.href;
    if (this.aborted) return Promise.resolve(new HttpResponse({ url: urlText, method, name: options.name, status: 0, kind: 'aborted', error: 'aborted', body: undefined, rawHeaders: null, timings: ABORTED_TIMINGS }));
    const origin = this.origin(url);
    let headers = this.defaultHeaders;
    const cookie = this.cookies.size > 0 ? this.cookies.header(origin.host, url.pathname, origin.secure) : undefined;
    if (cookie !== undefined || body?.type !== undefined || options.headers !== undefined) {
      headers = headers.slice();
      if (body?.type !== undefined && !hasHeader(options.headers, 'content-type')) headers.push('content-type', body.type);
      if (cookie !== undefined) headers.push('cookie', cookie);
      if (options.headers !== undefined) for (const k in options.headers) setHeader(headers, k.toLowerCase(), options.headers[k]!);
    }
    let bytesOut = method.length + url.lineBytes + (body === undefined ? 0 : byteLength(body.data));
    if (headers === this.defaultHeaders) bytesOut += this.defaultHeaderBytes;
    else for (let i = 0; i < headers.length; i++) bytesOut += headers[i]!.length + 2;
    const timeout = options.timeout ?? this.timeoutMs;
    const queueDelay = this.queueDelayMs;
    this.queueDelayMs = 0;
    return new Promise<HttpResponse>((resolve) => {
      const h = new Exchange(this, origin, resolve, method, url, options, queueDelay, bytesOut);
      origin.pool.dispatch({ path: url.pathQuery, method, headers, body: body?.data ?? null, headersTimeout: timeout, bodyTimeout: timeout, blocking: false }, h);
    });
  }

  /** finish turns an ended exchange into a response and records it (called by Exchange). */
  finish(x: Exchange, kind: OutcomeKind, error: string): void {
    const end = now();
    const o = x.origin;
    let connecting = -1;
    if (o.connects !== o.claimed) {
      o.claimed = o.connects;
      connecting = o.lastConnectMs;
    }
    const wanted = x.options.expect?.status;
    if (kind === 'ok' && !(wanted === undefined ? x.status >= 200 && x.status < 400 : expects(wanted, x.status))) kind = 'status';
    const aborted = kind === 'aborted' && this.aborted;
    const service = end - x.startAt;
    const duration = service + x.queueDelay;
    const sentAt = x.sentAt > 0 ? x.sentAt : x.startAt;
    const waiting = x.headersAt > 0 ? x.headersAt - sentAt : 0;
    const receiving = x.headersAt > 0 ? end - x.headersAt : 0;
    const body = x.chunks === null ? undefined : x.chunks.length === 1 ? x.chunks[0] : Buffer.concat(x.chunks);
    const bytesIn = x.status === 0 ? 0 : x.headBytes + x.bodyBytes;
    if (!aborted && this.metrics !== undefined) {
      this.metrics.record({ kind, status: x.status, responseMs: duration, serviceMs: service, waitingMs: waiting, connectingMs: connecting, bytesIn, bytesOut: x.bytesOut, startAt: x.startAt - x.queueDelay, name: x.options.name });
    }
    const res = new HttpResponse({ url: x.url.href, method: x.method, name: x.options.name, status: x.status, kind, error, body, rawHeaders: x.rawHeaders, timings: { duration, service, connecting: connecting < 0 ? 0 : connecting, waiting, receiving } });
    x.resolve(res);
  }
}

/** Exchange is one request in flight: undici's dispatch handler (the callback interface, no streams). */
class Exchange implements Dispatcher.DispatchHandler {
  readonly startAt = now();
  sentAt = 0;
  headersAt = 0;
  status = 0;
  headBytes = 0;
  bodyBytes = 0;
  chunks: Buffer[] | null = null;
  rawHeaders: Buffer[] | null = null;
  private done = false;

  constructor(
    private readonly session: HttpSession,
    readonly origin: Origin,
    readonly resolve: (r: HttpResponse) => void,
    readonly method: string,
    readonly url: Resolved,
    readonly options: RequestOptions,
    readonly queueDelay: number,
    readonly bytesOut: number,
  ) {}

  onConnect(): void {
    this.sentAt = now();
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], _resume: () => void, statusText: string): boolean {
    if (statusCode < 200) return true; // 1xx informational: wait for the real head
    this.headersAt = now();
    this.status = statusCode;
    this.rawHeaders = rawHeaders;
    let head = 15 + statusText.length;
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const k = rawHeaders[i]!;
      head += k.length + rawHeaders[i + 1]!.length + 4;
      if (k.length === 10 && k.toString('latin1').toLowerCase() === 'set-cookie') {
        this.session.cookies.setCookie(rawHeaders[i + 1]!.toString('latin1'), this.url.hostname, this.url.pathname);
      }
    }
    this.headBytes = head + 2;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.bodyBytes += chunk.length;
    if (this.chunks === null) this.chunks = [chunk];
    else this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.done) return;
    this.done = true;
    this.session.finish(this, 'ok', '');
  }

  onError(err: Error): void {
    if (this.done) return;
    this.done = true;
    this.status = 0;
    this.chunks = null;
    this.session.finish(this, classifyError(err), errorText(err));
  }
}

function expects(wanted: number | readonly number[] | undefined, status: number): boolean {
  if (wanted === undefined) return false;
  return typeof wanted === 'number' ? wanted === status : wanted.includes(status);
}

function encodeBody(o: RequestOptions): { data: string | Buffer | Uint8Array; type: string | undefined } | undefined {
  if (o.json !== undefined) return { data: JSON.stringify(o.json), type: 'application/json' };
  if (o.form !== undefined) {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(o.form)) p.append(k, String(v));
    return { data: p.toString(), type: 'application/x-www-form-urlencoded' };
  }
  if (o.body !== undefined) return { data: o.body, type: undefined };
  return undefined;
}

function byteLength(d: string | Buffer | Uint8Array): number {
  return typeof d === 'string' ? Buffer.byteLength(d) : d.byteLength;
}

function hasHeader(h: Record<string, string> | undefined, name: string): boolean {
  if (h === undefined) return false;
  for (const k in h) if (k.toLowerCase() === name) return true;
  return false;
}

function setHeader(flat: string[], name: string, value: string): void {
  for (let i = 0; i < flat.length; i += 2) {
    if (flat[i] === name) {
      flat[i + 1] = value;
      return;
    }
  }
  flat.push(name, value);
}
