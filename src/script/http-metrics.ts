import { failureCode, type OutcomeKind } from '../core/failure-kinds.js';
import type { RequestLog } from '../metrics/request-log.js';
import { metricKey, TIME_SCALE, type Counter, type MetricsRegistry, type Trend } from '../metrics/registry.js';

/** RequestRecord is one finished request as the session measured it (times in ms). */
export interface RequestRecord {
  kind: OutcomeKind;
  status: number;
  /** responseMs counts from the intended start (queueing included for an iteration's first request). */
  responseMs: number;
  /** serviceMs counts from when the session started the request. */
  serviceMs: number;
  waitingMs: number;
  /** connectingMs is the connect time of a new connection, -1 when a kept-alive one served. */
  connectingMs: number;
  bytesIn: number;
  bytesOut: number;
  /** startAt is the intended start (performance.now ms): the raw CSV's elapsed column counts from it. */
  startAt: number;
  name: string | undefined;
}

interface NamedMetrics {
  reqs: Counter;
  failed: Counter;
  duration: Trend;
}

/**
 * HttpMetrics records the k6-style HTTP metrics of one worker: trends `http_req_duration`,
 * `http_req_service_time` (open model only), `http_req_waiting`, `http_req_connecting`; counters
 * `http_reqs`, `http_reqs{status:N}`, `http_req_failed`, `http_req_failed{kind:K}`, `data_received`,
 * `data_sent`; per request name `http_reqs{name:X}`, `http_req_failed{name:X}` and
 * `http_req_duration{name:X}`. Counter references are cached, so a request costs a few increments
 * and two or three histogram records.
 */
export class HttpMetrics {
  readonly openModel: boolean;
  private readonly registry: MetricsRegistry;
  private readonly requestLog: RequestLog | undefined;
  private readonly t0: () => number;
  private readonly duration: Trend;
  private readonly service: Trend;
  private readonly waiting: Trend;
  private readonly connecting: Trend;
  private readonly reqs: Counter;
  private readonly failed: Counter;
  private readonly received: Counter;
  private readonly sent: Counter;
  private readonly byStatus = new Map<number, Counter>();
  private readonly byKind = new Map<OutcomeKind, Counter>();
  private readonly byName = new Map<string, NamedMetrics>();

  constructor(registry: MetricsRegistry, options: { openModel: boolean; requestLog?: RequestLog | undefined; t0?: () => number }) {
    this.registry = registry;
    this.openModel = options.openModel;
    this.requestLog = options.requestLog;
    this.t0 = options.t0 ?? (() => 0);
    this.duration = registry.trend('http_req_duration', TIME_SCALE);
    this.service = registry.trend('http_req_service_time', TIME_SCALE);
    this.waiting = registry.trend('http_req_waiting', TIME_SCALE);
    this.connecting = registry.trend('http_req_connecting', TIME_SCALE);
    this.reqs = registry.counter('http_reqs');
    this.failed = registry.counter('http_req_failed');
    this.received = registry.counter('data_received');
    this.sent = registry.counter('data_sent');
  }

  /** record adds one finished request. */
  record(r: RequestRecord): void {
    this.reqs.value++;
    this.duration.record(r.responseMs);
    if (this.openModel) this.service.record(r.serviceMs);
    if (r.status !== 0) {
      this.waiting.record(r.waitingMs);
      this.statusCounter(r.status).value++;
    }
    if (r.connectingMs >= 0) this.connecting.record(r.connectingMs);
    this.received.value += r.bytesIn;
    this.sent.value += r.bytesOut;
    const ok = r.kind === 'ok';
    if (!ok) {
      this.failed.value++;
      this.kindCounter(r.kind).value++;
    }
    if (r.name !== undefined) {
      const n = this.named(r.name);
      n.reqs.value++;
      n.duration.record(r.responseMs);
      if (!ok) n.failed.value++;
    }
    if (this.requestLog !== undefined) {
      this.requestLog.add((r.startAt - this.t0()) / 1000, r.responseMs / 1000, r.status, r.serviceMs / 1000, r.bytesIn, failureCode(r.kind));
    }
  }

  private statusCounter(status: number): Counter {
    let c = this.byStatus.get(status);
    if (c === undefined) {
      c = this.registry.counter(metricKey('http_reqs', { status }));
      this.byStatus.set(status, c);
    }
    return c;
  }

  private kindCounter(kind: OutcomeKind): Counter {
    let c = this.byKind.get(kind);
    if (c === undefined) {
      c = this.registry.counter(metricKey('http_req_failed', { kind }));
      this.byKind.set(kind, c);
    }
    return c;
  }

  private named(name: string): NamedMetrics {
    let n = this.byName.get(name);
    if (n === undefined) {
      const tag = { name: tagValue(name) };
      n = { reqs: this.registry.counter(metricKey('http_reqs', tag)), failed: this.registry.counter(metricKey('http_req_failed', tag)), duration: this.registry.trend(metricKey('http_req_duration', tag), TIME_SCALE) };
      this.byName.set(name, n);
    }
    return n;
  }
}

/** tagValue makes a string safe inside a metric key `name{k:v,…}` (no commas or braces), at most 120 chars. */
export function tagValue(s: string): string {
  const t = s.replace(/[,]/g, ';').replace(/[{]/g, '(').replace(/[}]/g, ')').replace(/[\r\n\t]+/g, ' ');
  return t.length > 120 ? `${t.slice(0, 117)}...` : t;
}
