import { failureCode, type OutcomeKind } from '../core/failure-kinds.js';
import type { ScenarioSpec } from '../load/plan.js';
import type { Scenario, ScenarioContext, VirtualUser } from '../load/scenario.js';
import type { Counter, Trend } from '../metrics/registry.js';
import type { HttpConnection } from '../transport/http-connection.js';
import { openConnection } from '../transport/open-connection.js';
import { prepareRequest } from '../transport/prepared-request.js';
import type { PreparedRequest } from '../transport/prepared-request.js';
import type { ResponseInfo } from '../transport/response-info.js';
import { StatusSet } from './status-set.js';

/** BenchScenarioSpec is the serializable description of `gauntlet bench`'s one request. */
export interface BenchScenarioSpec extends ScenarioSpec {
  readonly kind: 'bench';
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  /** body as base64 (bytes survive the trip to the workers). */
  readonly bodyBase64?: string;
  readonly timeoutMs: number;
  readonly expectStatus: string;
  readonly http2: boolean;
  readonly insecure: boolean;
}

/**
 * TaggedCounters are the request and failure counters of one tag value, such as
 * `http_reqs{behaviour:plain}` and `http_req_failed{behaviour:plain}`; get them once from
 * `HttpRecorder.tagged` and pass them to `record`.
 */
export interface TaggedCounters {
  readonly reqs: Counter;
  readonly failed: Counter;
}

/** HttpRecorder records one request's outcome into the worker's metrics and raw rows. */
export class HttpRecorder {
  private readonly ctx: ScenarioContext;
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

  constructor(ctx: ScenarioContext) {
    const m = ctx.metrics;
    this.ctx = ctx;
    this.reqs = m.counter('http_reqs');
    this.failed = m.counter('http_req_failed');
    this.received = m.counter('data_received');
    this.sent = m.counter('data_sent');
    this.duration = m.trend('http_req_duration');
    this.service = ctx.openModel ? m.trend('http_req_service_time') : undefined;
    this.waiting = m.trend('http_req_waiting');
    this.connecting = m.trend('http_req_connecting');
  }

  /** tagged returns the counters `http_reqs{tag:value}` and `http_req_failed{tag:value}` (value without `,{}`). */
  tagged(tag: string, value: string): TaggedCounters {
    const m = this.ctx.metrics;
    return { reqs: m.counter(`http_reqs{${tag}:${value}}`), failed: m.counter(`http_req_failed{${tag}:${value}}`) };
  }

  /**
   * record counts a request judged as `kind`. Response time runs from `scheduledAt` (the intended
   * start), service time from `startedAt` (when it was really sent, a connect included). `tagged`
   * counters, when given, count it too (two increments more).
   */
  record(kind: OutcomeKind, res: ResponseInfo, scheduledAt: number, startedAt: number, tagged?: TaggedCounters): void {
    this.reqs.value++;
    if (tagged !== undefined) {
      tagged.reqs.value++;
      if (kind !== 'ok') tagged.failed.value++;
    }
    const status = res.status;
    if (status > 0) (this.statuses[status] ??= this.ctx.metrics.counter(`http_reqs{status:${status}}`)).value++;
    if (kind !== 'ok') {
      this.failed.value++;
      let c = this.failures.get(kind);
      if (c === undefined) this.failures.set(kind, (c = this.ctx.metrics.counter(`http_req_failed{kind:${kind}}`)));
      c.value++;
    }
    this.received.value += res.bytesIn;
    this.sent.value += res.bytesOut;
    const end = res.endAt;
    const responseMs = end - scheduledAt;
    const serviceMs = end - startedAt;
    this.duration.record(responseMs);
    this.service?.record(serviceMs);
    if (res.firstByteAt > 0) this.waiting.record(res.firstByteAt - res.sentAt);
    if (res.connectMs >= 0) this.connecting.record(res.connectMs);
    this.ctx.requestLog?.add((scheduledAt - this.ctx.t0) / 1000, responseMs / 1000, status, serviceMs / 1000, res.bytesIn, failureCode(kind));
  }
}

/** BenchUser is one keep-alive connection sending the same prepared request again and again. */
class BenchUser implements VirtualUser {
  private readonly conn: HttpConnection;
  private readonly req: PreparedRequest;
  private readonly expect: StatusSet;
  private readonly recorder: HttpRecorder;
  private readonly now: () => number;
  private scheduledAt = 0;
  private startedAt = 0;
  private done: () => void = () => {};

  constructor(conn: HttpConnection, req: PreparedRequest, expect: StatusSet, recorder: HttpRecorder, now: () => number) {
    this.conn = conn;
    this.req = req;
    this.expect = expect;
    this.recorder = recorder;
    this.now = now;
  }

  run(scheduledAt: number, done: () => void): void {
    this.scheduledAt = scheduledAt;
    this.startedAt = this.now();
    this.done = done;
    this.conn.request(this.req, this.onResponse);
  }

  private readonly onResponse = (res: ResponseInfo): void => {
    const kind: OutcomeKind = res.kind === 'ok' && !this.expect.has(res.status) ? 'status' : res.kind;
    this.recorder.record(kind, res, this.scheduledAt, this.startedAt);
    this.done();
  };

  abort(): void {
    this.conn.close();
  }

  close(): void {
    this.conn.close();
  }
}

/** createScenario builds the bench scenario of one worker: one connection per user. */
export function createScenario(spec: ScenarioSpec, ctx: ScenarioContext): Scenario {
  const s = spec as BenchScenarioSpec;
  const req = prepareRequest({
    url: s.url,
    method: s.method,
    headers: s.headers,
    ...(s.bodyBase64 !== undefined ? { body: Buffer.from(s.bodyBase64, 'base64') } : {}),
    timeoutMs: s.timeoutMs,
  });
  const expect = new StatusSet(s.expectStatus);
  const recorder = new HttpRecorder(ctx);
  const origin = new URL(s.url);
  const now = () => ctx.clock.now();
  return {
    createUser: () => new BenchUser(openConnection(origin, { http2: s.http2, insecure: s.insecure }), req, expect, recorder, now),
  };
}
