import type { OutcomeKind } from '../../core/failure-kinds.js';
import { shareOf } from '../../core/segments.js';
import { HttpMetrics } from '../../metrics/http-metrics.js';
import type { Trend } from '../../metrics/registry.js';
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
  /**
   * sharedConnections: the users share this many connections (split over the workers), each
   * borrowing one per request (`-u 100000 -c 10000`); absent, every user has its own.
   */
  readonly sharedConnections?: number;
  /** pipelining: requests in flight per connection (`-p`, 1 = none); users share connections in groups of this size. */
  readonly pipelining?: number;
}

declare module '../../load/plan.js' {
  interface ScenarioSpecs {
    bench: BenchScenarioSpec;
  }
}

/** judged is a response's outcome: a whole answer with a status outside `expect` is a `status` failure. */
function judged(res: ResponseInfo, expect: StatusSet): OutcomeKind {
  return res.kind === 'ok' && !expect.has(res.status) ? 'status' : res.kind;
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
    const kind = judged(res, this.expect);
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
 * ConnectionPool lends one worker's shared connections to its users, one request at a time, first
 * come first served: a free one, else a new one while fewer than `size` are open, else the user
 * waits in line. Waiting is not latency of the request (the closed model's latency runs from the
 * send): it is recorded as `http_req_blocked`, k6's name for the wait for a free connection.
 */
class ConnectionPool {
  private readonly free: HttpConnection[] = [];
  /** waiters is a FIFO queue (head index, compacted now and then: it can hold 100,000 users). */
  private waiters: (PooledBenchUser | undefined)[] = [];
  private head = 0;
  /** lineShift counts the places dropped from the front of `waiters` (a user's lineAt is absolute). */
  private lineShift = 0;
  private open = 0;
  private readonly all = new Set<HttpConnection>();
  private ended = false;

  constructor(
    private readonly size: number,
    private readonly connect: () => HttpConnection,
  ) {}

  /** acquire hands `user` a connection now (returns it) or queues it (returns undefined). */
  acquire(user: PooledBenchUser): HttpConnection | undefined {
    const c = this.free.pop();
    if (c !== undefined) return c;
    if (this.open < this.size) {
      this.open++;
      const fresh = this.connect();
      this.all.add(fresh);
      return fresh;
    }
    if (this.ended) {
      process.nextTick(() => user.giveUp());
      return undefined;
    }
    user.lineAt = this.lineShift + this.waiters.length;
    this.waiters.push(user);
    return undefined;
  }

  /** release gives a connection back: to the first user in line, else to the free list. */
  release(c: HttpConnection, broken: boolean): void {
    if (broken) {
      // Closed by an abort (the grace period is over): it serves no one again; those still in line
      // are aborted by the executor too (each leaves the line at once, see leave).
      this.all.delete(c);
      this.open--;
      return;
    }
    const next = this.nextWaiter();
    if (next !== undefined) next.start(c);
    else this.free.push(c);
  }

  /** leave takes a waiting user out of line (it was aborted); false when it was not waiting. */
  leave(user: PooledBenchUser): boolean {
    // Its place in line, kept by acquire: O(1), as 100,000 users may leave at once.
    const i = user.lineAt - this.lineShift;
    if (i < this.head || this.waiters[i] !== user) return false;
    this.waiters[i] = undefined;
    return true;
  }

  /** ending sends everyone in line home: the run is over, their requests will not be sent. */
  ending(): void {
    this.ended = true;
    for (let w = this.nextWaiter(); w !== undefined; w = this.nextWaiter()) w.giveUp();
  }

  closeAll(): void {
    for (const c of this.all) c.close();
    this.all.clear();
    this.free.length = 0;
  }

  private nextWaiter(): PooledBenchUser | undefined {
    while (this.head < this.waiters.length) {
      const w = this.waiters[this.head];
      this.waiters[this.head++] = undefined;
      if (this.head > 1024 && this.head * 2 > this.waiters.length) {
        this.waiters = this.waiters.slice(this.head);
        this.lineShift += this.head;
        this.head = 0;
      }
      if (w !== undefined) return w;
    }
    return undefined;
  }
}

/** PooledBenchUser is a user without a connection of its own: it borrows one of the pool's per request. */
class PooledBenchUser implements VirtualUser {
  /** lineAt is this user's place in the pool's line while it waits (set by ConnectionPool.acquire). */
  lineAt = -1;
  private conn: HttpConnection | undefined;
  private scheduledAt = 0;
  private startedAt = 0;
  private done: (began?: boolean) => void = () => {};

  constructor(
    private readonly pool: ConnectionPool,
    private readonly req: PreparedRequest,
    private readonly expect: StatusSet,
    private readonly recorder: HttpMetrics,
    private readonly blocked: Trend,
    private readonly now: () => number,
  ) {}

  run(scheduledAt: number, done: (began?: boolean) => void): void {
    this.scheduledAt = scheduledAt;
    this.done = done;
    const c = this.pool.acquire(this);
    if (c !== undefined) this.start(c);
  }

  /** start sends the request on a connection the pool lent (at once, or when one came free). */
  start(c: HttpConnection): void {
    this.conn = c;
    const now = this.now();
    this.blocked.record(now - this.scheduledAt);
    this.startedAt = now;
    c.request(this.req, this.onResponse);
  }

  private readonly onResponse = (res: ResponseInfo): void => {
    const kind = judged(res, this.expect);
    // Latency from the send, as for a user with its own connection; the wait is in http_req_blocked.
    this.recorder.record(kind, res, this.startedAt, this.startedAt);
    const c = this.conn!;
    this.conn = undefined;
    this.pool.release(c, kind === 'aborted');
    this.done();
  };

  /** giveUp ends an iteration that never got a connection (the run ended while it was in line): it never began. */
  giveUp(): void {
    this.done(false);
  }

  abort(): void {
    if (this.conn !== undefined) this.conn.close();
    else if (this.pool.leave(this)) this.done(false);
  }

  close(): void {}
}

/**
 * benchConnections is how many connections `users` users of a worker (or of a whole run) hold at
 * most: their shared pool's size (`-u N -c M`), one per `-p` group of users, else one each. It is
 * the grouping createScenario builds.
 */
export function benchConnections(spec: BenchScenarioSpec, users: number): number {
  if (spec.sharedConnections !== undefined) return Math.min(users, spec.sharedConnections);
  return Math.ceil(users / Math.max(1, spec.pipelining ?? 1));
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
  const connect = () => openConnection(origin, { http2: s.http2, insecure: s.insecure });
  if (s.sharedConnections !== undefined) {
    const pool = new ConnectionPool(Math.max(1, shareOf(s.sharedConnections, ctx.segment)), connect);
    const blocked = ctx.metrics.trend('http_req_blocked');
    return {
      createUser: () => new PooledBenchUser(pool, req, expect, recorder, blocked, now),
      ending: () => pool.ending(),
      close: () => pool.closeAll(),
    };
  }
  const depth = s.pipelining ?? 1;
  if (depth <= 1) {
    return { createUser: () => new BenchUser(connect(), req, expect, recorder, now) };
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
