import { parseMetricKey } from './registry.js';

/**
 * BUILT_IN_METRICS names every metric Gauntlet records itself (k6's snake_case names where k6 has
 * one): the one list that thresholds check names against, summaries split custom metrics from, and
 * renderers read units from. A metric added to a recorder is added here too. `unit` says how a value
 * reads: `ms` durations (trends), `count` counters, `bytes` byte counters, `ratio` a fraction 0–1
 * (a trend recorded with VALUE_SCALE).
 */
export const BUILT_IN_METRICS = {
  http_reqs: 'count',
  http_req_failed: 'count',
  http_req_duration: 'ms',
  http_req_service_time: 'ms',
  http_req_waiting: 'ms',
  http_req_connecting: 'ms',
  http_req_blocked: 'ms',
  http_req_timeout_lateness: 'ms',
  iterations: 'count',
  iterations_failed: 'count',
  iteration_errors: 'count',
  iteration_duration: 'ms',
  dropped_iterations: 'count',
  checks: 'count',
  data_received: 'bytes',
  data_sent: 'bytes',
  local_limit: 'count',
  // WebSocket (scripted runs): sessions opened and failed (by kind), connect time, session length, messages and bytes.
  ws_sessions: 'count',
  ws_sessions_failed: 'count',
  ws_connecting: 'ms',
  ws_session_duration: 'ms',
  ws_msgs_sent: 'count',
  ws_msgs_received: 'count',
  ws_data_sent: 'bytes',
  ws_data_received: 'bytes',
  vus: 'count',
  // Durability runs.
  durability_recovery_time: 'ms',
  durability_first_failure: 'ms',
  durability_collateral_failures: 'count',
  durability_crashes: 'count',
  durability_unrecovered_crashes: 'count',
  durability_outages: 'count',
  durability_outage_time: 'ms',
  durability_open_outages: 'count',
  durability_open_outage_start: 'ms',
  durability_failure_cause: 'count',
  // The generator's own load (every run; one sample per worker thread per interval, see GeneratorMonitor):
  // its event loop's utilization, its thread's CPU (share of one core) and how late its timers fired.
  generator_elu: 'ratio',
  generator_cpu: 'ratio',
  generator_lateness: 'ms',
} as const satisfies Record<string, 'ms' | 'count' | 'bytes' | 'ratio'>;

/** BuiltInMetric is the name of a metric Gauntlet records. */
export type BuiltInMetric = keyof typeof BUILT_IN_METRICS;

/** BUILT_IN_TRENDS are the built-in metrics recorded as histograms (times in ms, ratios). */
export const BUILT_IN_TRENDS: readonly string[] = Object.entries(BUILT_IN_METRICS)
  .filter(([, unit]) => unit === 'ms' || unit === 'ratio')
  .map(([name]) => name);

/** RATE_METRICS are fractions (passes over all), not per-second counts, as in k6. */
export const RATE_METRICS: ReadonlySet<string> = new Set(['checks', 'http_req_failed']);

/** BUILT_IN_LOOK is how a built-in name starts: a name that starts so but is none is a misspelling. */
const BUILT_IN_LOOK = /^(http_|ws_|generator_|iteration|data_|checks|dropped|vus)/;
const TRENDS = new Set(BUILT_IN_TRENDS);

/** isBuiltInMetric says whether `name` (without tags) is a metric Gauntlet records. */
export function isBuiltInMetric(name: string): name is BuiltInMetric {
  return Object.prototype.hasOwnProperty.call(BUILT_IN_METRICS, name);
}

/** isBuiltInTrend says whether a trend key (`ws_connecting{name:chat}` or bare) is one Gauntlet records. */
export function isBuiltInTrend(key: string): boolean {
  return TRENDS.has(parseMetricKey(key).name);
}

/**
 * misspeltBuiltIn returns the closest built-in name when `name` looks like one (starts with http_,
 * ws_, generator_, iteration, data_, checks, dropped or vus) but is none, so a typo is caught before the run;
 * undefined for a built-in or a custom metric's name.
 */
export function misspeltBuiltIn(name: string): string | undefined {
  if (isBuiltInMetric(name) || !BUILT_IN_LOOK.test(name)) return undefined;
  let best = '';
  let bestD = Infinity;
  for (const b of Object.keys(BUILT_IN_METRICS)) {
    const d = editDistance(name, b);
    if (d < bestD) [best, bestD] = [b, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
