import { parseMetricKey } from './registry.js';

/**
 * BUILT_IN_TRENDS are the trends Gauntlet records itself (times in ms); any other trend is a user's
 * custom metric. Summaries list custom trends apart from these, and a threshold on a name that is
 * neither built in nor recorded can be refused. Keep every built-in name here, in one place.
 */
export const BUILT_IN_TRENDS: readonly string[] = [
  'http_req_duration',
  'http_req_service_time',
  'http_req_waiting',
  'http_req_connecting',
  'http_req_timeout_lateness',
  'iteration_duration',
  // WebSocket (scripted runs): connect time and how long each session stayed open.
  'ws_connecting',
  'ws_session_duration',
  // Durability runs.
  'durability_recovery_time',
  'durability_first_failure',
];

/** BUILT_IN_COUNTERS are the counters Gauntlet records itself (k6's names where k6 has one). */
export const BUILT_IN_COUNTERS: readonly string[] = [
  'http_reqs',
  'http_req_failed',
  'data_received',
  'data_sent',
  'iterations',
  'iteration_errors',
  'dropped_iterations',
  'checks',
  'local_limit',
  // WebSocket (scripted runs): sessions opened and failed (by kind), messages and bytes.
  'ws_sessions',
  'ws_sessions_failed',
  'ws_msgs_sent',
  'ws_msgs_received',
  'ws_data_sent',
  'ws_data_received',
  // Durability runs.
  'durability_collateral_failures',
  'durability_crashes',
  'durability_unrecovered_crashes',
];

const TRENDS = new Set(BUILT_IN_TRENDS);
const ALL = new Set([...BUILT_IN_TRENDS, ...BUILT_IN_COUNTERS]);

/** isBuiltInTrend says whether a trend key (`ws_connecting{name:chat}` or bare) is one Gauntlet records. */
export function isBuiltInTrend(key: string): boolean {
  return TRENDS.has(parseMetricKey(key).name);
}

/** isBuiltInMetric says whether a metric name (without tags) is one Gauntlet records itself. */
export function isBuiltInMetric(name: string): boolean {
  return ALL.has(name);
}
