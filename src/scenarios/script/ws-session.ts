import type WebSocket from 'ws';
import type { RawData } from 'ws';
import { lazyRequire } from '../../core/lazy-require.js';
import { metricKey, TIME_SCALE, type Counter, type MetricsRegistry, type Trend } from '../../metrics/registry.js';
import { tagValue } from '../../metrics/http-metrics.js';
import { classifyError } from '../../transport/classify-error.js';

/** ws loads on the first WebSocket a script opens (lazyRequire): an HTTP-only run never parses it, in the main thread or a worker. */
const ws = lazyRequire<typeof WebSocket>('ws');

/** WsOptions shape `this.ws(url, options)`. */
export interface WsOptions {
  /** name groups sessions in the summary and tags their metrics (`ws_msgs_sent{name:chat}`), like a request's `name`. */
  name?: string;
  headers?: Record<string, string>;
  protocols?: string | string[];
  /** connectTimeout in milliseconds (10 s by default). */
  connectTimeout?: number;
  /** receiveTimeout is the default timeout of `receive()` in milliseconds (10 s by default). */
  receiveTimeout?: number;
}

/** WsMessage is a received message: text frames as strings, binary frames as Buffers. */
export type WsMessage = string | Buffer;

/** WsMetricSet is one set of WebSocket metrics: the run's (untagged) or one name's (`{name:N}`). */
export interface WsMetricSet {
  readonly sessions: Counter;
  readonly failed: Counter;
  readonly sent: Counter;
  readonly received: Counter;
  readonly dataSent: Counter;
  readonly dataReceived: Counter;
  readonly connecting: Trend;
  readonly duration: Trend;
}

/**
 * WsMetrics holds one worker's WebSocket metrics (k6's names, Mozilla Loads' summary fields):
 * counters `ws_sessions` (opened), `ws_sessions_failed` (could not open; also `{kind:K}` by failure
 * kind, classified like HTTP failures), `ws_msgs_sent`, `ws_msgs_received`, `ws_data_sent`,
 * `ws_data_received` (bytes of message payloads); trends `ws_connecting` (from the start of the
 * connect to open) and `ws_session_duration` (open to closed) in ms. A session opened with a `name`
 * also records each of them tagged `{name:N}`. Sets are cached, so a message costs two increments
 * per set.
 */
export class WsMetrics {
  /** all is the run's untagged set, which every session records into. */
  readonly all: WsMetricSet;
  private readonly registry: MetricsRegistry;
  private readonly named = new Map<string, readonly WsMetricSet[]>();
  private readonly byKind = new Map<string, Counter>();
  private readonly plain: readonly WsMetricSet[];

  constructor(registry: MetricsRegistry) {
    this.registry = registry;
    this.all = this.set({});
    this.plain = [this.all];
  }

  /** sets returns the sets a session records into: the run's, and its name's when it has one. */
  sets(name: string | undefined): readonly WsMetricSet[] {
    if (name === undefined) return this.plain;
    let s = this.named.get(name);
    if (s === undefined) {
      s = [this.all, this.set({ name: tagValue(name) })];
      this.named.set(name, s);
    }
    return s;
  }

  /** failed counts a socket that could not open, by failure kind (and per name through `sets`). */
  failed(sets: readonly WsMetricSet[], kind: string): void {
    for (const s of sets) s.failed.value++;
    let k = this.byKind.get(kind);
    if (k === undefined) {
      k = this.registry.counter(metricKey('ws_sessions_failed', { kind }));
      this.byKind.set(kind, k);
    }
    k.value++;
  }

  private set(tags: Record<string, string>): WsMetricSet {
    const r = this.registry;
    return {
      sessions: r.counter(metricKey('ws_sessions', tags)),
      failed: r.counter(metricKey('ws_sessions_failed', tags)),
      sent: r.counter(metricKey('ws_msgs_sent', tags)),
      received: r.counter(metricKey('ws_msgs_received', tags)),
      dataSent: r.counter(metricKey('ws_data_sent', tags)),
      dataReceived: r.counter(metricKey('ws_data_received', tags)),
      connecting: r.trend(metricKey('ws_connecting', tags), TIME_SCALE),
      duration: r.trend(metricKey('ws_session_duration', tags), TIME_SCALE),
    };
  }
}

interface Waiter {
  resolve: (m: WsMessage) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * WsSession is an open WebSocket of a virtual user (the `ws` package). Messages that arrive are
 * queued until `receive()` takes them, so none is lost between awaits. `receive` rejects on timeout
 * or when the socket closes; the iteration that awaited it fails with that message.
 */
export class WsSession {
  readonly url: string;
  private readonly socket: WebSocket;
  private readonly metrics: readonly WsMetricSet[];
  private readonly receiveTimeout: number;
  private readonly queue: WsMessage[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly openedAt: number;
  private closedReason: string | undefined;
  private readonly onClosed: (s: WsSession) => void;

  private constructor(url: string, socket: WebSocket, metrics: readonly WsMetricSet[], options: WsOptions, onClosed: (s: WsSession) => void) {
    this.url = url;
    this.socket = socket;
    this.metrics = metrics;
    this.receiveTimeout = options.receiveTimeout ?? 10_000;
    this.openedAt = performance.now();
    this.onClosed = onClosed;
    socket.on('message', (data: RawData, isBinary: boolean) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      for (const m of metrics) {
        m.received.value++;
        m.dataReceived.value += buf.length;
      }
      const msg: WsMessage = isBinary ? buf : buf.toString('utf8');
      const w = this.waiters.shift();
      if (w !== undefined) {
        clearTimeout(w.timer);
        w.resolve(msg);
      } else this.queue.push(msg);
    });
    socket.on('close', (code: number, reason: Buffer) => this.ended(`closed (${code}${reason.length > 0 ? ` ${reason.toString()}` : ''})`));
    socket.on('error', (err: Error) => this.ended(messageOf(err)));
  }

  /**
   * open connects and resolves once the socket is open; a socket that cannot open rejects with the
   * reason (counted in `ws_sessions_failed{kind}`), which fails the iteration. Without `metrics` (a
   * session outside a run) nothing is recorded.
   */
  static open(url: string, options: WsOptions, metrics: WsMetrics | undefined, onClosed: (s: WsSession) => void): Promise<WsSession> {
    const started = performance.now();
    const sets = metrics?.sets(options.name) ?? [];
    return new Promise<WsSession>((resolve, reject) => {
      const socket = new (ws())(url, options.protocols, { headers: options.headers, handshakeTimeout: options.connectTimeout ?? 10_000 });
      const fail = (err: Error, kind: string = wsFailureKind(err)) => {
        metrics?.failed(sets, kind);
        socket.removeAllListeners();
        socket.on('error', () => {});
        socket.terminate();
        reject(new Error(`ws ${url}: ${messageOf(err)}`));
      };
      socket.once('error', fail);
      socket.once('unexpected-response', (_req, res) => fail(new Error(`unexpected HTTP status ${res.statusCode}`), 'status'));
      socket.once('open', () => {
        socket.removeListener('error', fail);
        socket.removeAllListeners('unexpected-response');
        const connecting = performance.now() - started;
        for (const m of sets) {
          m.sessions.value++;
          m.connecting.record(connecting);
        }
        resolve(new WsSession(url, socket, sets, options, onClosed));
      });
    });
  }

  /** open says whether the socket can still send. */
  get open(): boolean {
    return this.closedReason === undefined;
  }

  /** send sends a text (string), binary (Buffer) or JSON (anything else) message. */
  send(data: string | Buffer | Uint8Array | object): void {
    if (this.closedReason !== undefined) throw new Error(`ws ${this.url}: send on a socket that is ${this.closedReason}`);
    const payload = typeof data === 'string' || Buffer.isBuffer(data) || data instanceof Uint8Array ? data : JSON.stringify(data);
    this.socket.send(payload);
    if (this.metrics.length > 0) {
      const bytes = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
      for (const m of this.metrics) {
        m.sent.value++;
        m.dataSent.value += bytes;
      }
    }
  }

  /** receive resolves with the next message, or rejects after `timeoutMs` or when the socket closes. */
  receive(timeoutMs = this.receiveTimeout): Promise<WsMessage> {
    const m = this.queue.shift();
    if (m !== undefined) return Promise.resolve(m);
    if (this.closedReason !== undefined) return Promise.reject(new Error(`ws ${this.url}: receive on a socket that is ${this.closedReason}`));
    return new Promise<WsMessage>((resolve, reject) => {
      const w: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = this.waiters.indexOf(w);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(new Error(`ws ${this.url}: no message within ${timeoutMs}ms`));
        }, timeoutMs),
      };
      this.waiters.push(w);
    });
  }

  /** receiveJson receives the next message and parses it as JSON. */
  async receiveJson<T = unknown>(timeoutMs?: number): Promise<T> {
    const m = await this.receive(timeoutMs);
    return JSON.parse(typeof m === 'string' ? m : m.toString('utf8')) as T;
  }

  /** close closes the socket (normal closure); Gauntlet closes sockets left open at iteration end. */
  close(code = 1000, reason?: string): void {
    if (this.closedReason === undefined) {
      try {
        this.socket.close(code, reason);
      } catch {
        this.socket.terminate();
      }
    }
    this.ended('closed');
  }

  /** terminate drops the socket at once (abort). */
  terminate(): void {
    this.socket.terminate();
    this.ended('terminated');
  }

  private ended(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    const duration = performance.now() - this.openedAt;
    for (const m of this.metrics) m.duration.record(duration);
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new Error(`ws ${this.url}: ${reason}`));
    }
    this.onClosed(this);
  }
}

function messageOf(err: Error): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code !== '' && !err.message.includes(code) ? `${code} ${err.message}`.trim() : err.message;
}

/** wsFailureKind classifies a socket that could not open like an HTTP failure; `ws` reports its handshake timeout by message only. */
function wsFailureKind(err: Error): string {
  return /handshake has timed out/i.test(err.message) ? 'timeout' : classifyError(err);
}
