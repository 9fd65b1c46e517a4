import type { OutcomeKind } from '../../core/failure-kinds.js';
import type { Scenario, ScenarioContext, VirtualUser } from '../../load/scenario.js';
import { metricKey, type Counter, type MetricsRegistry, type Trend } from '../../metrics/registry.js';
import { failureCause, type FailureCause } from '../../durability/failure-causes.js';
import { UNEXPECTED_LIST_CAP, type UnexpectedPost, type UnexpectedResult } from './unexpected-results.js';
import { HttpMetrics, type TaggedHttpMetrics } from '../../metrics/http-metrics.js';
import type { HttpConnection } from '../../transport/http-connection.js';
import { openConnection } from '../../transport/open-connection.js';
import { prepareRequest, type PreparedRequest } from '../../transport/prepared-request.js';
import type { ResponseInfo } from '../../transport/response-info.js';
import type { BehaviourExpectation } from '../../durability/behaviours.js';
import { judge } from '../../durability/judge.js';
import { policies, type Picker, type Policy } from '../../durability/policies.js';
import type { BehaviourName } from '../../durability/protocol.js';

/** GATEWAY_ERRORS are the statuses a proxy answers for a server it could not reach (or that did not answer in time). */
const GATEWAY_ERRORS = new Set([502, 503, 504]);

/** DurabilityMixSpec is one weighted behaviour of a durability plan, as plain data. */
export interface DurabilityMixSpec {
  /** label as mixes write it (`sleep(seconds=0.5)`); tags its metrics. */
  readonly label: string;
  readonly name: BehaviourName;
  /** path is the request target, `/sleep?seconds=0.5`. */
  readonly path: string;
  readonly expectation: BehaviourExpectation;
  readonly timeoutMs: number;
  readonly weight: number;
}

/** DurabilityPolicySpec is a policy as plain data: rebuilt in each worker. */
export interface DurabilityPolicySpec {
  readonly kind: Policy['name'];
  readonly seed?: number;
}

/** DurabilityScenarioSpec is the serializable description of a durability run's users. */
export interface DurabilityScenarioSpec {
  readonly kind: 'durability';
  /** target is the behaviour app's base URL, `http://127.0.0.1:PORT` (a path prefix is kept). */
  readonly target: string;
  readonly mix: readonly DurabilityMixSpec[];
  readonly policy: DurabilityPolicySpec;
  /** untilFailures stops the run after this many unexpected results (`--until-failures N`); see DurabilityTracker. */
  readonly untilFailures?: number;
}

declare module '../../load/plan.js' {
  interface ScenarioSpecs {
    durability: DurabilityScenarioSpec;
  }
}

/**
 * WELL_BEHAVED lists the behaviours that do not hurt the server: when one of them fails unexpectedly
 * it is collateral damage of a misbehaving one (wedge, hang, crash, segfault, reset).
 */
export const WELL_BEHAVED: ReadonlySet<BehaviourName> = new Set<BehaviourName>(['plain', 'sleep', 'io', 'leak', 'huge', 'trickle', 'throw']);

/** CRASHING lists the behaviours that kill the worker process; recovery time is measured after them. */
export const CRASHING: ReadonlySet<BehaviourName> = new Set<BehaviourName>(['crash', 'segfault']);

/**
 * DURABILITY_METRICS names the figures each worker records beside the HTTP metrics:
 * - `durability_collateral_failures`: unexpected failures of well-behaved behaviours;
 * - `durability_crashes`: crash and segfault requests sent;
 * - `durability_recovery_time` (ms): from a crash request's send until the end of the next OK
 *   well-behaved request sent after it (per worker; a later crash before recovery does not restart
 *   the clock); `durability_unrecovered_crashes` counts workers whose last crash never recovered;
 * - `durability_first_failure` (ms from the run's start): one value per worker, at its first
 *   unexpected result, so the merged minimum is the run's first;
 * - `durability_outages` counts failure streaks (per worker: from an unexpected result until the next
 *   expected response to a request sent after the streak's first); `durability_outage_time` (ms) is
 *   each ended streak's length, from its first failed request's send to the end of that success;
 *   `durability_open_outages` counts workers whose run ended inside a streak and
 *   `durability_open_outage_start` (ms from the run's start) when that streak began;
 * - `durability_failure_cause{cause:C}` counts unexpected results per cause (FAILURE_CAUSES).
 */
export const DURABILITY_METRICS = {
  collateral: 'durability_collateral_failures',
  crashes: 'durability_crashes',
  unrecovered: 'durability_unrecovered_crashes',
  recovery: 'durability_recovery_time',
  firstFailure: 'durability_first_failure',
  outages: 'durability_outages',
  outageTime: 'durability_outage_time',
  openOutages: 'durability_open_outages',
  openOutageStart: 'durability_open_outage_start',
  cause: 'durability_failure_cause',
} as const;

/** behaviourTag is a label as a tag value (tag values hold no `,{}`): `plain(status=500;length=10)`. */
export function behaviourTag(label: string): string {
  return label.replace(/,/g, ';').replace(/\{/g, '(').replace(/\}/g, ')');
}

/** Entry is one behaviour as a worker sends it: its request built once, its counters fetched once. */
interface Entry {
  readonly spec: DurabilityMixSpec;
  readonly req: PreparedRequest;
  readonly tagged: TaggedHttpMetrics;
  readonly wellBehaved: boolean;
  readonly crashing: boolean;
  /** fresh: send it on a new connection (it expects the server to fail or reset it; see DurabilityUser). */
  readonly fresh: boolean;
}

/** TrackerOptions: the worker's index, its stop (for `untilFailures`) and where its list goes. */
interface TrackerOptions {
  readonly worker: number;
  readonly untilFailures?: number;
  readonly stop?: () => void;
  readonly post?: (data: unknown) => void;
}

/**
 * DurabilityTracker holds one worker's durability figures (shared by its users): collateral failures,
 * crash recovery, failure streaks (outages), causes, and the list of unexpected results (capped at
 * UNEXPECTED_LIST_CAP, posted to the main thread when the worker ends). With `untilFailures` it stops
 * the worker at its N-th unexpected result, before that request's user may start another, so with one
 * connection exactly N are counted (with more, the requests already in flight finish and count).
 */
class DurabilityTracker {
  private readonly metrics: MetricsRegistry;
  private readonly collateral: Counter;
  private readonly crashes: Counter;
  private readonly unrecovered: Counter;
  private readonly recovery: Trend;
  private readonly firstFailure: Trend;
  private readonly outages: Counter;
  private readonly outageTime: Trend;
  private readonly causes = new Map<FailureCause, Counter>();
  private readonly t0: () => number;
  private readonly o: TrackerOptions;
  private readonly list: UnexpectedResult[] = [];
  private unexpected = 0;
  private sent = 0;
  private failedOnce = false;
  private crashAt = -1;
  private streakAt = -1;

  constructor(metrics: MetricsRegistry, t0: () => number, o: TrackerOptions) {
    this.metrics = metrics;
    this.collateral = metrics.counter(DURABILITY_METRICS.collateral);
    this.crashes = metrics.counter(DURABILITY_METRICS.crashes);
    this.unrecovered = metrics.counter(DURABILITY_METRICS.unrecovered);
    this.recovery = metrics.trend(DURABILITY_METRICS.recovery);
    this.firstFailure = metrics.trend(DURABILITY_METRICS.firstFailure);
    this.outages = metrics.counter(DURABILITY_METRICS.outages);
    this.outageTime = metrics.trend(DURABILITY_METRICS.outageTime);
    this.t0 = t0;
    this.o = o;
  }

  /** nextIndex numbers a request as it is sent (its place in this worker's sequence). */
  nextIndex(): number {
    return this.sent++;
  }

  observe(entry: Entry, kind: OutcomeKind, res: ResponseInfo, index: number, startedAt: number): void {
    const endAt = res.endAt;
    if (kind !== 'ok') {
      if (!this.failedOnce) {
        this.failedOnce = true;
        this.firstFailure.record(endAt - this.t0());
      }
      if (entry.wellBehaved) this.collateral.value++;
      if (this.streakAt < 0) {
        this.streakAt = startedAt;
        this.outages.value++;
      }
      this.unexpected++;
      this.note(entry, kind, res, index, startedAt);
    } else if (this.streakAt >= 0 && entry.spec.expectation.kind === 'response' && !GATEWAY_ERRORS.has(res.status) && startedAt > this.streakAt) {
      // An expected answer ends the streak only if the server gave it: a 502/503/504 a behaviour
      // expects behind a proxy is the proxy saying the server is gone.
      this.outageTime.record(endAt - this.streakAt);
      this.streakAt = -1;
    }
    if (entry.crashing) {
      this.crashes.value++;
      if (this.crashAt < 0) this.crashAt = startedAt;
    } else if (kind === 'ok' && entry.wellBehaved && this.crashAt >= 0 && startedAt > this.crashAt) {
      this.recovery.record(endAt - this.crashAt);
      this.crashAt = -1;
    }
    // Stop before the caller's done(): the user must not start another request.
    if (kind !== 'ok' && this.unexpected === this.o.untilFailures) this.o.stop?.();
  }

  /** note counts the cause of an unexpected result and keeps it in the list (while under the cap). */
  private note(entry: Entry, kind: Exclude<OutcomeKind, 'ok'>, res: ResponseInfo, index: number, startedAt: number): void {
    const cause = failureCause(kind, res.error);
    let c = this.causes.get(cause);
    if (c === undefined) this.causes.set(cause, (c = this.metrics.counter(metricKey(DURABILITY_METRICS.cause, { cause }))));
    c.value++;
    if (this.list.length >= UNEXPECTED_LIST_CAP) return;
    const t0 = this.t0();
    this.list.push({ index, worker: this.o.worker, tMs: res.endAt - t0, sentMs: startedAt - t0, behaviour: entry.spec.label, kind, cause, status: res.status, ms: res.endAt - startedAt });
  }

  /**
   * close counts a crash still waiting for recovery and a failure streak still open when the
   * worker's run ended (with when it began), and posts the list of unexpected results.
   */
  close(): void {
    if (this.crashAt >= 0) this.unrecovered.value++;
    this.crashAt = -1;
    if (this.streakAt >= 0) {
      this.metrics.counter(DURABILITY_METRICS.openOutages).value++;
      this.metrics.trend(DURABILITY_METRICS.openOutageStart).record(Math.max(0, this.streakAt - this.t0()));
    }
    this.streakAt = -1;
    if (this.list.length > 0) this.o.post?.({ kind: 'durability-unexpected', items: this.list } satisfies UnexpectedPost);
  }
}

/**
 * DurabilityUser is one keep-alive connection that sends the behaviour its worker's policy picks, one
 * at a time. A behaviour whose success is a failure of the server (wedge, hang, crash, segfault,
 * reset) goes on a new connection: on a kept-alive one, a server that had quietly closed it (uWSGI's
 * --http-socket does) would look as if it had failed the request, which never reached it.
 */
class DurabilityUser implements VirtualUser {
  private conn: HttpConnection;
  private used = false;
  private readonly shared: Shared;
  private entry: Entry | undefined;
  private index = 0;
  private scheduledAt = 0;
  private startedAt = 0;
  private done: () => void = () => {};

  constructor(conn: HttpConnection, shared: Shared) {
    this.conn = conn;
    this.shared = shared;
  }

  run(scheduledAt: number, done: () => void): void {
    const entry = this.shared.entries[this.shared.pick()]!;
    this.entry = entry;
    this.index = this.shared.tracker.nextIndex();
    this.scheduledAt = scheduledAt;
    this.startedAt = this.shared.now();
    this.done = done;
    if (entry.fresh && this.used) {
      this.conn.close();
      this.conn = this.shared.connect();
    }
    this.used = true;
    this.conn.request(entry.req, this.onResponse);
  }

  private readonly onResponse = (res: ResponseInfo): void => {
    const entry = this.entry!;
    const kind = judge(entry.spec.expectation, res);
    this.shared.recorder.record(kind, res, this.scheduledAt, this.startedAt, entry.tagged);
    this.shared.tracker.observe(entry, kind, res, this.index, this.startedAt);
    this.done();
  };

  abort(): void {
    this.conn.close();
  }

  close(): void {
    this.conn.close();
  }
}

interface Shared {
  readonly entries: readonly Entry[];
  readonly pick: Picker;
  readonly recorder: HttpMetrics;
  readonly tracker: DurabilityTracker;
  readonly now: () => number;
  readonly connect: () => HttpConnection;
}

/**
 * createScenario builds a worker's durability users: each user is one keep-alive connection to the
 * behaviour app; every behaviour's request is prepared once per worker; per iteration the worker's
 * policy picker (its own stream or offset) picks the behaviour, `judge` says whether the outcome was
 * the expected one, and HttpMetrics records it, tagged by behaviour. Requests that misbehave go on a
 * new connection and are never retried (a retry would crash or wedge a second worker).
 */
export function createScenario(s: DurabilityScenarioSpec, ctx: ScenarioContext): Scenario {
  const base = s.target.replace(/\/+$/, '');
  const recorder = new HttpMetrics(ctx.metrics, { openModel: ctx.openModel, requestLog: ctx.requestLog, t0: () => ctx.t0 });
  const entries: Entry[] = s.mix.map((m) => ({
    spec: m,
    req: prepareRequest({ url: base + m.path, timeoutMs: m.timeoutMs, retryStale: m.expectation.kind === 'response' }),
    tagged: recorder.tagged('behaviour', behaviourTag(m.label)),
    wellBehaved: WELL_BEHAVED.has(m.name),
    crashing: CRASHING.has(m.name),
    fresh: m.expectation.kind !== 'response',
  }));
  const policy = s.policy.kind === 'random' ? policies.random(s.policy.seed === undefined ? {} : { seed: s.policy.seed }) : policies.sequential();
  const pick = policy.picker(
    s.mix.map((m) => m.weight),
    { index: ctx.segment.index, count: ctx.segment.count },
  );
  const tracker = new DurabilityTracker(ctx.metrics, () => ctx.t0, {
    worker: ctx.workerIndex,
    ...(s.untilFailures !== undefined ? { untilFailures: s.untilFailures } : {}),
    ...(ctx.stop !== undefined ? { stop: ctx.stop } : {}),
    ...(ctx.post !== undefined ? { post: ctx.post } : {}),
  });
  const origin = new URL(base);
  const connect = (): HttpConnection => openConnection(origin);
  const shared: Shared = { entries, pick, recorder, tracker, now: () => ctx.clock.now(), connect };
  return {
    createUser: () => new DurabilityUser(connect(), shared),
    close: () => tracker.close(),
  };
}
