import type { RunResult } from '../../metrics/run-result.js';
import { behaviourTag, DURABILITY_METRICS, type DurabilityPolicySpec, type DurabilityScenarioSpec } from './durability-scenario.js';
import type { ServerStats } from '../../durability/server-watch.js';
import { soakFigures, type SoakFigures } from './soak.js';

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
export function durabilityFigures(result: RunResult, spec: DurabilityScenarioSpec, names: DurabilityNames = {}, serverStats?: ServerStats): DurabilityFigures {
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
  };
}

/** durabilityOf reads the durability figures of a result (`sections.durability`), if it has them. */
export function durabilityOf(result: RunResult): DurabilityFigures | undefined {
  const d = result.sections?.durability;
  return typeof d === 'object' && d !== null ? (d as DurabilityFigures) : undefined;
}
