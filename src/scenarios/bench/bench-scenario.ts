import type { OutcomeKind } from '../../core/failure-kinds.js';
import { HttpMetrics } from '../../metrics/http-metrics.js';
import type { Scenario, ScenarioContext, VirtualUser } from '../../load/scenario.js';
import type { HttpConnection } from '../../transport/http-connection.js';
import { Http1PipelineConnection } from '../../transport/http1-pipeline.js';
import { openConnection } from '../../transport/open-connection.js';
import { prepareRequest } from '../../transport/prepared-request.js';
import type { PreparedRequest } from '../../transport/prepared-request.js';
import type { ResponseInfo } from '../../transport/response-info.js';
import { StatusSet } from './status-set.js';

/** BenchScenarioSpec is the serializable description of `gauntlet bench`'s one request. */
export interface BenchScenarioSpec {
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
  /** pipelining: requests in flight per connection (`-p`, 1 = none); users share connections in groups of this size. */
  readonly pipelining?: number;
}

declare module '../../load/plan.js' {
  interface ScenarioSpecs {
    bench: BenchScenarioSpec;
  }
}

/** BenchUser is one keep-alive connection sending the same prepared request again and again. */
class BenchUser implements VirtualUser {
  private readonly conn: HttpConnection;
  private readonly req: PreparedRequest;
  private readonly expect: StatusSet;
  private readonly recorder: HttpMetrics;
  private readonly now: () => number;
  private scheduledAt = 0;
  private startedAt = 0;
  private done: () => void = () => {};

  constructor(conn: HttpConnection, req: PreparedRequest, expect: StatusSet, recorder: HttpMetrics, now: () => number) {
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

/**
 * createScenario builds the bench scenario of one worker: one connection per user, or with
 * pipelining (`-p N`) one connection per N users, created in order, each user one request slot of it.
 */
export function createScenario(spec: BenchScenarioSpec, ctx: ScenarioContext): Scenario {
  const s = spec as BenchScenarioSpec;
  const req = prepareRequest({
    url: s.url,
    method: s.method,
    headers: s.headers,
    ...(s.bodyBase64 !== undefined ? { body: Buffer.from(s.bodyBase64, 'base64') } : {}),
    timeoutMs: s.timeoutMs,
  });
  const expect = new StatusSet(s.expectStatus);
  const recorder = new HttpMetrics(ctx.metrics, { openModel: ctx.openModel, requestLog: ctx.requestLog, t0: () => ctx.t0, expectedStatus: s.expectStatus });
  const origin = new URL(s.url);
  const now = () => ctx.clock.now();
  const depth = s.pipelining ?? 1;
  if (depth <= 1) {
    return { createUser: () => new BenchUser(openConnection(origin, { http2: s.http2, insecure: s.insecure }), req, expect, recorder, now) };
  }
  let shared: Http1PipelineConnection | undefined;
  let users = 0;
  return {
    createUser: () => {
      if (users++ % depth === 0 || shared === undefined) shared = new Http1PipelineConnection(origin, depth);
      return new BenchUser(shared, req, expect, recorder, now);
    },
  };
}
