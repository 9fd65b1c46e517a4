import { failureCode, LOCAL_LIMIT_CODES, type OutcomeKind } from '../core/failure-kinds.js';
import { metricKey, type Counter, type MetricsRegistry, type Trend } from './registry.js';
import type { RequestLog } from './request-log.js';

/**
 * HttpExchange is what HttpMetrics reads of a finished request (the transport's ResponseInfo has
 * these fields): times are performance.now() milliseconds, 0 when they did not happen.
 */
export interface HttpExchange {
  readonly status: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly sentAt: number;
  readonly firstByteAt: number;
  readonly endAt: number;
  /** connectMs is the connect time of a new connection, -1 when a kept-alive one served. */
  readonly connectMs: number;
  /** timeoutLateMs: how late a transport timeout was seen past its deadline (ms). */
  readonly timeoutLateMs?: number;
  /** error: a failure's short error text; for a `local` failure, the limit's code (`EMFILE`). */
  readonly error?: string;
  /** detail: a failure's whole message when `error` is only its code ('' or absent: `error` says it all). */
  readonly detail?: string;
}

/** TaggedHttpMetrics count requests of one tag value (`name:upload`, `behaviour:plain`). */
export interface TaggedHttpMetrics {
  readonly reqs: Counter;
  readonly failed: Counter;
  /** duration is kept for request names (`http_req_duration{name:upload}`), not for every tag. */
  readonly duration: Trend | undefined;
}

/** HttpMetricsOptions say how a worker's HTTP metrics are kept. */
export interface HttpMetricsOptions {
  /** openModel records service time apart from response time. */
  readonly openModel: boolean;
  /** requestLog receives one raw row per request (`--csv`). */
  readonly requestLog?: RequestLog | undefined;
  /** t0 is the run's start on this thread's clock (read at each request: it is set at the start). */
  readonly t0: () => number;
  /** expectedStatus describes the statuses that count as OK (`2xx,3xx`), for the message of a `status` failure. */
  readonly expectedStatus?: string | undefined;
}

/**
 * HttpMetrics records the k6-style HTTP metrics of one worker, for every front door (bench,
 * scripts, durability): trends `http_req_duration` (response time, from the intended start),
 * `http_req_service_time` (open model: from the real send), `http_req_waiting` (time to first byte),
 * `http_req_connecting`; counters `http_reqs`, `http_reqs{status:N}`, `http_req_failed`,
 * `http_req_failed{kind:K}`, `data_received`, `data_sent`; for the generator's own limits
 * (`local` failures) `local_limit{code:EMFILE}` by error code, and for transport timeouts the trend
 * `http_req_timeout_lateness` (how late the generator saw the deadline); and, through `tagged`,
 * per-tag counters. Each failure's message (the connection's error detail, or the unexpected status)
 * is counted by the registry's FailureSampler, for the result's `failures`.
 * Counters are cached, so a request costs a few increments and two or three histogram records.
 */
export class HttpMetrics {
  private readonly registry: MetricsRegistry;
  private readonly requestLog: RequestLog | undefined;
  private readonly t0: () => number;
  private readonly reqs: Counter;
  private readonly failed: Counter;
  private readonly received: Counter;
  private readonly sent: Counter;
  private readonly duration: Trend;
  private readonly service: Trend | undefined;
  private readonly waiting: Trend;
  private readonly connecting: Trend;
  private readonly statuses: (Counter | undefined)[] = [];
  private readonly failures = new Map<OutcomeKind, Counter>();
  private readonly tags = new Map<string, TaggedHttpMetrics>();
  private readonly localLimits = new Map<string, Counter>();
  private lateness: Trend | undefined;
  private readonly expectedStatus: string | undefined;
  private readonly statusMessages: (string | undefined)[] = [];

  constructor(registry: MetricsRegistry, options: HttpMetricsOptions) {
    this.registry = registry;
    this.requestLog = options.requestLog;
    this.t0 = options.t0;
    this.expectedStatus = options.expectedStatus;
    this.reqs = registry.counter('http_reqs');
    this.failed = registry.counter('http_req_failed');
    this.received = registry.counter('data_received');
    this.sent = registry.counter('data_sent');
    this.duration = registry.trend('http_req_duration');
    this.service = options.openModel ? registry.trend('http_req_service_time') : undefined;
    this.waiting = registry.trend('http_req_waiting');
    this.connecting = registry.trend('http_req_connecting');
  }

  /**
   * tagged returns (once, then cached) the counters `http_reqs{tag:value}` and
   * `http_req_failed{tag:value}`, and with `withDuration` the trend `http_req_duration{tag:value}`.
   * The value must be safe in a metric key (see tagValue).
   */
  tagged(tag: string, value: string, withDuration = false): TaggedHttpMetrics {
    const key = `${tag}:${value}`;
    let t = this.tags.get(key);
    if (t === undefined) {
      const tags = { [tag]: value };
      t = {
        reqs: this.registry.counter(metricKey('http_reqs', tags)),
        failed: this.registry.counter(metricKey('http_req_failed', tags)),
        duration: withDuration ? this.registry.trend(metricKey('http_req_duration', tags)) : undefined,
      };
      this.tags.set(key, t);
    }
    return t;
  }

  /**
   * record counts a request judged as `kind` (`ok` means as expected). Response time runs from
   * `scheduledAt` (the intended start: an open model's due time), service time from `startedAt`.
   * An `aborted` request is counted (requests, failures by kind, bytes, its raw row) but recorded in
   * no latency trend: its time is only how long it ran before it was cut.
   */
  record(kind: OutcomeKind, x: HttpExchange, scheduledAt: number, startedAt: number, tagged?: TaggedHttpMetrics): void {
    this.reqs.value++;
    const status = x.status;
    if (status > 0) (this.statuses[status] ??= this.registry.counter(metricKey('http_reqs', { status }))).value++;
    if (kind !== 'ok') {
      this.failed.value++;
      let c = this.failures.get(kind);
      if (c === undefined) this.failures.set(kind, (c = this.registry.counter(metricKey('http_req_failed', { kind }))));
      c.value++;
      this.registry.failures.add(kind, kind === 'status' ? this.statusMessage(status) : x.detail || x.error || '');
      if (kind === 'local') this.countLocal(x.error ?? '');
      else if (kind === 'timeout' && x.timeoutLateMs !== undefined && x.timeoutLateMs > 0) (this.lateness ??= this.registry.trend('http_req_timeout_lateness')).record(x.timeoutLateMs);
    }
    this.received.value += x.bytesIn;
    this.sent.value += x.bytesOut;
    const end = x.endAt;
    const responseMs = end - scheduledAt;
    const serviceMs = end - startedAt;
    // An aborted request (a second Ctrl-C, the grace period ending) has only a partial time: it is
    // counted by kind above, but kept out of every latency trend so it cannot skew the percentiles.
    const timed = kind !== 'aborted';
    if (timed) {
      this.duration.record(responseMs);
      this.service?.record(serviceMs);
      if (x.firstByteAt > 0 && x.sentAt > 0) this.waiting.record(x.firstByteAt - x.sentAt);
      if (x.connectMs >= 0) this.connecting.record(x.connectMs);
    }
    if (tagged !== undefined) {
      tagged.reqs.value++;
      if (kind !== 'ok') tagged.failed.value++;
      if (timed) tagged.duration?.record(responseMs);
    }
    this.requestLog?.add((scheduledAt - this.t0()) / 1000, responseMs / 1000, status, serviceMs / 1000, x.bytesIn, failureCode(kind));
  }

  /** statusMessage says what a `status` failure was (`expected status 2xx,3xx, got 404`), made once per status. */
  private statusMessage(status: number): string {
    return (this.statusMessages[status] ??= this.expectedStatus === undefined ? `unexpected status ${status}` : `expected status ${this.expectedStatus}, got ${status}`);
  }

  private countLocal(error: string): void {
    const code = LOCAL_CODES.has(error) ? error : 'other';
    let c = this.localLimits.get(code);
    if (c === undefined) this.localLimits.set(code, (c = this.registry.counter(metricKey('local_limit', { code }))));
    c.value++;
  }
}

/** LOCAL_CODES are the error codes of `local` failures kept apart; others count as `other`. */
const LOCAL_CODES: ReadonlySet<string> = new Set(LOCAL_LIMIT_CODES);

/** tagValue makes a string safe inside a metric key `name{k:v,…}` (no commas or braces), at most 120 chars. */
export function tagValue(s: string): string {
  const t = s.replace(/[,]/g, ';').replace(/[{]/g, '(').replace(/[}]/g, ')').replace(/[\r\n\t]+/g, ' ');
  return t.length > 120 ? `${t.slice(0, 117)}...` : t;
}
