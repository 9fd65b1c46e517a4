import WebSocket, { type RawData } from 'ws';
import { metricKey, TIME_SCALE, type Counter, type MetricsRegistry, type Trend } from '../../metrics/registry.js';
import { classifyError } from '../../transport/classify-error.js';

/** WsOptions shape `this.ws(url, options)`. */
export interface WsOptions {
  headers?: Record<string, string>;
  protocols?: string | string[];
  /** connectTimeout in milliseconds (10 s by default). */
  connectTimeout?: number;
  /** receiveTimeout is the default timeout of `receive()` in milliseconds (10 s by default). */
  receiveTimeout?: number;
}

/** WsMessage is a received message: text frames as strings, binary frames as Buffers. */
export type WsMessage = string | Buffer;

/**
 * WsMetrics holds one worker's WebSocket metrics (Mozilla Loads' summary fields): counters
 * `ws_sessions` (opened), `ws_msgs_sent`, `ws_msgs_received`, `ws_data_received`, `ws_data_sent`,
 * `ws_failed{kind:K}`; trends `ws_connecting` and `ws_session_duration` in ms.
 */
export class WsMetrics {
  readonly sessions: Counter;
  readonly sent: Counter;
  readonly received: Counter;
  readonly dataReceived: Counter;
  readonly dataSent: Counter;
  readonly connecting: Trend;
  readonly duration: Trend;
  private readonly registry: MetricsRegistry;

  constructor(registry: MetricsRegistry) {
    this.registry = registry;
    this.sessions = registry.counter('ws_sessions');
    this.sent = registry.counter('ws_msgs_sent');
    this.received = registry.counter('ws_msgs_received');
    this.dataReceived = registry.counter('ws_data_received');
    this.dataSent = registry.counter('ws_data_sent');
    this.connecting = registry.trend('ws_connecting', TIME_SCALE);
    this.duration = registry.trend('ws_session_duration', TIME_SCALE);
  }

  /** failed counts a socket that could not open, by failure kind. */
  failed(kind: string): void {
    this.registry.counter(metricKey('ws_failed', { kind })).value++;
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
  private readonly metrics: WsMetrics | undefined;
  private readonly receiveTimeout: number;
  private readonly queue: WsMessage[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly openedAt: number;
  private closedReason: string | undefined;
  private readonly onClosed: (s: WsSession) => void;

  private constructor(url: string, socket: WebSocket, metrics: WsMetrics | undefined, options: WsOptions, onClosed: (s: WsSession) => void) {
    this.url = url;
    this.socket = socket;
    this.metrics = metrics;
    this.receiveTimeout = options.receiveTimeout ?? 10_000;
    this.openedAt = performance.now();
    this.onClosed = onClosed;
    socket.on('message', (data: RawData, isBinary: boolean) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      if (metrics !== undefined) {
        metrics.received.value++;
        metrics.dataReceived.value += buf.length;
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
   * reason (counted in `ws_failed{kind}`), which fails the iteration.
   */
  static open(url: string, options: WsOptions, metrics: WsMetrics | undefined, onClosed: (s: WsSession) => void): Promise<WsSession> {
    const started = performance.now();
    return new Promise<WsSession>((resolve, reject) => {
      const socket = new WebSocket(url, options.protocols, { headers: options.headers, handshakeTimeout: options.connectTimeout ?? 10_000 });
      const fail = (err: Error, kind: string = classifyError(err)) => {
        metrics?.failed(kind);
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
        if (metrics !== undefined) {
          metrics.sessions.value++;
          metrics.connecting.record(performance.now() - started);
        }
        resolve(new WsSession(url, socket, metrics, options, onClosed));
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
    if (this.metrics !== undefined) {
      this.metrics.sent.value++;
      this.metrics.dataSent.value += typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
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
    this.metrics?.duration.record(performance.now() - this.openedAt);
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
