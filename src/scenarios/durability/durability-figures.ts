import type { RunResult } from '../../metrics/run-result.js';
import { behaviourTag, DURABILITY_METRICS, type DurabilityPolicySpec, type DurabilityScenarioSpec } from './durability-scenario.js';
import type { ServerStats } from '../../durability/server-watch.js';
import { soakFigures, type SoakFigures } from './soak.js';
import { CAUSE_ORDER, type FailureCause } from '../../durability/failure-causes.js';
import type { UnexpectedList } from './unexpected-results.js';

/** BehaviourFigures are one behaviour's requests and unexpected results in a run. */
export interface BehaviourFigures {
  readonly label: string;
  readonly weight: number;
  readonly requests: number;
  readonly unexpected: number;
}

/** RecoveryFigures summarize the recovery times after crashes, in milliseconds. */
export interface RecoveryFigures {
  readonly count: number;
  readonly minMs: number;
  readonly p50Ms: number;
  readonly meanMs: number;
  readonly maxMs: number;
}

/**
 * OutageFigures say whether and how fast the server came back after failing. An outage is a failure
 * streak (per worker): from the send of its first unexpected result until the end of the next
 * expected response to a request sent after it. `longestMs` is the longest outage that ended (the
 * worst a client waited; the matrix shows it), `p50Ms` the median of those that ended during the
 * run. A run that ended inside an outage (`openAtEnd`) is followed by a probe (GET /plain every
 * 50 ms for up to 5 s): an answer ends that outage too; `state` sums it up:
 * - `none`: nothing failed; `recovers`: every outage ended;
 * - `died`: no success after the last failure, and the server's process tree was gone at the end or
 *   the probe was refused to its end (nothing listened);
 * - `not-recovered`: no success after the last failure, though something still listened (a wedged
 *   server, timeouts or errors to the end of the probe).
 */
export interface OutageFigures {
  readonly state: 'none' | 'recovers' | 'died' | 'not-recovered';
  readonly count: number;
  readonly recovered: number;
  readonly p50Ms?: number;
  readonly longestMs?: number;
  readonly openAtEnd: boolean;
  /** probe: what the probe after the run saw (when the run ended inside an outage and the server lived). */
  readonly probe?: { readonly answered: boolean; readonly afterMs: number; readonly lastKind?: string };
}

/** AfterRun is what the run's composition root saw after the requests: the probe, and the unexpected results listed. */
export interface AfterRun {
  /** probe: `answered` with when (ms from the run's start), or the last failure's kind. */
  readonly probe?: { readonly answered: boolean; readonly atMs: number; readonly lastKind?: string };
  readonly unexpectedList?: UnexpectedList;
  readonly untilFailures?: number;
}

/**
 * DurabilityFigures are what a durability run says beyond Labour's two lines, kept in the result as
 * `sections.durability` (so `--json` holds them and a report can show them again):
 * - `unexpected`: requests that did not end as their behaviour expected (Labour's "failed");
 * - `collateralFailures`: unexpected failures of well-behaved behaviours (plain, sleep, io, leak,
 *   huge, trickle, throw), the damage a misbehaving request did to the others;
 * - `crashes`, `recovery` (from a crash request until the next OK request, per worker) and
 *   `unrecoveredCrashes` (a crash with no OK request after it before the end);
 * - `firstUnexpectedMs`: when the first unexpected result came, from the run's start;
 * - `server`: what the server's process tree did (peak RSS, growth, restarts), when it was watched;
 * - `soak`: the RSS slope with its noise band, fds and threads, latency and failure drift (SoakFigures;
 *   `short` under a minute).
 */
export interface DurabilityFigures {
  readonly test?: string;
  readonly server?: string;
  readonly target: string;
  readonly policy: DurabilityPolicySpec;
  readonly behaviours: readonly BehaviourFigures[];
  readonly requests: number;
  readonly unexpected: number;
  readonly unexpectedPercent: number;
  readonly requestsPerSecond: number;
  readonly collateralFailures: number;
  readonly crashes: number;
  readonly unrecoveredCrashes: number;
  readonly recovery?: RecoveryFigures;
  readonly firstUnexpectedMs?: number;
  readonly serverStats?: ServerStats;
  readonly soak?: SoakFigures;
  /** outages: whether and how fast the server came back after failing (see OutageFigures). */
  readonly outages?: OutageFigures;
  /** causes: unexpected results per cause (FAILURE_CAUSES), most first. */
  readonly causes?: readonly { readonly cause: FailureCause; readonly count: number }[];
  /** untilFailures: the run was told to stop after this many unexpected results. */
  readonly untilFailures?: number;
  /** unexpectedList: every unexpected result (up to a cap) with the server's log lines around it. */
  readonly unexpectedList?: UnexpectedList;
}

declare module '../../metrics/run-result.js' {
  interface ResultSections {
    /** durability holds a durability run's figures (see DurabilityFigures). */
    durability: DurabilityFigures;
  }
}

/** DurabilityNames say what a run was, for reports: the ready test and the server spec. */
export interface DurabilityNames {
  readonly test?: string;
  readonly server?: string;
}

/**
 * durabilityFigures computes a run's durability figures from its merged metrics (a pure function:
 * the workers recorded the counters and trends, see DURABILITY_METRICS) and the server's stats.
 */
export function durabilityFigures(result: RunResult, spec: DurabilityScenarioSpec, names: DurabilityNames = {}, serverStats?: ServerStats, after: AfterRun = {}): DurabilityFigures {
  const c = result.metrics.counters;
  const requests = c['http_reqs'] ?? 0;
  const unexpected = c['http_req_failed'] ?? 0;
  const seen = new Set<string>();
  const behaviours: BehaviourFigures[] = [];
  for (const m of spec.mix) {
    if (seen.has(m.label)) continue;
    seen.add(m.label);
    const tag = behaviourTag(m.label);
    const weight = spec.mix.filter((x) => x.label === m.label).reduce((s, x) => s + x.weight, 0);
    behaviours.push({ label: m.label, weight, requests: c[`http_reqs{behaviour:${tag}}`] ?? 0, unexpected: c[`http_req_failed{behaviour:${tag}}`] ?? 0 });
  }
  const r = result.summary[DURABILITY_METRICS.recovery];
  const first = result.summary[DURABILITY_METRICS.firstFailure];
  return {
    ...(names.test !== undefined ? { test: names.test } : {}),
    ...(names.server !== undefined ? { server: names.server } : {}),
    target: spec.target,
    policy: spec.policy,
    behaviours,
    requests,
    unexpected,
    unexpectedPercent: requests === 0 ? 0 : (100 * unexpected) / requests,
    requestsPerSecond: requests / Math.max(result.durationMs / 1000, 1e-9),
    collateralFailures: c[DURABILITY_METRICS.collateral] ?? 0,
    crashes: c[DURABILITY_METRICS.crashes] ?? 0,
    unrecoveredCrashes: c[DURABILITY_METRICS.unrecovered] ?? 0,
    ...(r !== undefined && r.count > 0 ? { recovery: { count: r.count, minMs: r.min, p50Ms: r.p50, meanMs: r.mean, maxMs: r.max } } : {}),
    ...(first !== undefined && first.count > 0 ? { firstUnexpectedMs: first.min } : {}),
    ...(serverStats !== undefined ? { serverStats } : {}),
    soak: soakFigures(result, serverStats),
    outages: outageFigures(result, serverStats, after.probe),
    causes: causesOf(c),
    ...(after.untilFailures !== undefined ? { untilFailures: after.untilFailures } : {}),
    ...(after.unexpectedList !== undefined ? { unexpectedList: after.unexpectedList } : {}),
  };
}

/** causesOf reads the unexpected results per cause from the counters, most first (ties in FAILURE_CAUSES order). */
function causesOf(c: Readonly<Record<string, number>>): { cause: FailureCause; count: number }[] {
  return CAUSE_ORDER.map((cause) => ({ cause, count: c[`${DURABILITY_METRICS.cause}{cause:${cause}}`] ?? 0 }))
    .filter((x) => x.count > 0)
    .sort((a, b) => b.count - a.count);
}

/** outageFigures sums up the failure streaks the workers saw and what the probe after the run saw. */
export function outageFigures(result: RunResult, serverStats: ServerStats | undefined, probe: AfterRun['probe']): OutageFigures {
  const c = result.metrics.counters;
  const count = c[DURABILITY_METRICS.outages] ?? 0;
  const t = result.summary[DURABILITY_METRICS.outageTime];
  const ended = t !== undefined && t.count > 0 ? t : undefined;
  const openAtEnd = (c[DURABILITY_METRICS.openOutages] ?? 0) > 0;
  const openStart = result.summary[DURABILITY_METRICS.openOutageStart];
  // The probe ends the open outage (the earliest, if several workers ended inside one).
  const probeEnded = openAtEnd && probe?.answered === true && openStart !== undefined && openStart.count > 0 ? Math.max(0, probe.atMs - openStart.min) : undefined;
  const longest = Math.max(ended?.max ?? -Infinity, probeEnded ?? -Infinity);
  const gone = serverStats !== undefined && !serverStats.aliveAtEnd;
  const state: OutageFigures['state'] =
    count === 0 ? 'none' : !openAtEnd || probeEnded !== undefined ? 'recovers' : gone || probe?.lastKind === 'refused' ? 'died' : 'not-recovered';
  return {
    state,
    count,
    recovered: (ended?.count ?? 0) + (probeEnded !== undefined ? 1 : 0),
    ...(ended !== undefined ? { p50Ms: ended.p50 } : {}),
    ...(Number.isFinite(longest) ? { longestMs: longest } : {}),
    openAtEnd,
    ...(probe !== undefined && openStart !== undefined && openStart.count > 0
      ? { probe: { answered: probe.answered, afterMs: Math.max(0, probe.atMs - result.durationMs), ...(probe.lastKind !== undefined ? { lastKind: probe.lastKind } : {}) } }
      : {}),
  };
}

/** durabilityOf reads the durability figures of a result (`sections.durability`), if it has them. */
export function durabilityOf(result: RunResult): DurabilityFigures | undefined {
  const d = result.sections?.durability;
  return typeof d === 'object' && d !== null ? (d as DurabilityFigures) : undefined;
}
