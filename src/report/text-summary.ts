import { FAILURE_KINDS } from '../core/failure-kinds.js';
import { formatDuration } from '../core/duration.js';
import { formatBytes, formatCount } from '../core/units.js';
import type { TrendSummary } from '../metrics/histogram.js';
import type { RunResult } from '../metrics/run-result.js';
import { failureDetailLines } from './failure-detail.js';
import { generatorLine, generatorWarningLines } from './generator-warning.js';
import { LOCAL_HINTS, LOCAL_LIMITS } from './failure-hints.js';
import { runShapeLines } from './run-shape-summary.js';
import { closingLine, headlineLines, thresholdLines } from './verdict.js';

const pct = (n: number, d: number) => (d === 0 ? '0.00' : ((100 * n) / d).toFixed(2));

function trendLine(label: string, t: TrendSummary | undefined): string {
  if (t === undefined || t.count === 0) return `  ${label.padEnd(16)} -`;
  const f = formatDuration;
  return `  ${label.padEnd(16)} p50 ${f(t.p50)}  p75 ${f(t.p75)}  p90 ${f(t.p90)}  p99 ${f(t.p99)}  p99.9 ${f(t.p999)}  max ${f(t.max)}  (mean ${f(t.mean)})`;
}

/** countersWith returns the counters named `name{tag:...}` as tag value → count. */
export function countersWith(result: RunResult, name: string, tag: string): [string, number][] {
  const prefix = `${name}{${tag}:`;
  return Object.entries(result.metrics.counters)
    .filter(([k]) => k.startsWith(prefix) && k.indexOf(',') < 0)
    .map(([k, v]) => [k.slice(prefix.length, -1), v] as [string, number]);
}

/** LATE_MS: timeouts seen later than this past their deadline are worth a line. */
const LATE_MS = 10;

/** localLimitLines explain `local` failures: the generator's own limit, what ran out and how to raise it. */
function localLimitLines(result: RunResult): string[] {
  const limits = countersWith(result, 'local_limit', 'code');
  if (limits.length === 0) return [];
  const lines = ["The generator hit its own limits (failure kind 'local': not the target's fault):"];
  for (const [code, v] of limits) lines.push(`  ${formatCount(v)} requests: it ran out of ${LOCAL_LIMITS[code] ?? code}; hint: ${LOCAL_HINTS[code] ?? LOCAL_HINTS['other']!}`);
  return lines;
}

/**
 * renderTextSummary renders the end-of-run summary, a pure function of the result. It opens with
 * the seed tools' two lines (`Test of N requests complete in S seconds (R req/s).` and the OK/failed
 * split, see headlineLines) and goes on with latency percentiles, status codes, failures by kind,
 * bytes and rates, the generator's own load, then `sections` (what the front door adds: a script's
 * tests, agents), the warning when the generator was saturated, and ends with the verdict: the
 * thresholds and one closing line saying whether the run did what was asked.
 */
export function renderTextSummary(result: RunResult, sections: readonly string[] = []): string {
  const c = result.metrics.counters;
  const http = c['http_reqs'] !== undefined;
  const n = http ? c['http_reqs']! : (c['iterations'] ?? 0);
  const seconds = result.durationMs / 1000;
  const lines: string[] = headlineLines(result);
  if (result.stopReason === 'interrupted') lines.push('Stopped by the user before the planned end; the figures cover what ran.');
  if (result.stopReason === 'aborted') lines.push('Aborted by the user; in-flight requests were cut off and counted as aborted.');
  if (result.stopReason === 'threshold') lines.push(`Stopped early: threshold ${result.abortedBy ?? ''} failed (abort on fail).`);
  if (result.stopReason === 'failed') lines.push(`The run failed: ${result.error ?? 'unknown error'}`);
  if (result.stopReason === 'failures') lines.push('Stopped early: it reached the number of unexpected results it was told to wait for (--until-failures).');
  if (result.incomplete !== undefined) lines.push(`Incomplete: ${result.incomplete}`);
  lines.push('');
  lines.push(`Latency (${result.model === 'open' ? 'response time counts from the intended send time' : 'closed model: from the send'}):`);
  if (http) lines.push(trendLine(result.model === 'open' ? 'response time' : 'request', result.summary['http_req_duration']));
  if (!http || result.summary['iteration_duration']) lines.push(trendLine('iteration', result.summary['iteration_duration']));
  if (result.model === 'open') lines.push(trendLine('service time', result.summary['http_req_service_time']));
  if (result.summary['http_req_waiting']) lines.push(trendLine('first byte', result.summary['http_req_waiting']));
  if (result.summary['http_req_connecting']) lines.push(trendLine('connect', result.summary['http_req_connecting']));
  if (result.summary['http_req_blocked']) lines.push(trendLine('blocked', result.summary['http_req_blocked']));
  const statuses = countersWith(result, 'http_reqs', 'status').sort((a, b) => Number(a[0]) - Number(b[0]));
  if (statuses.length > 0) {
    lines.push('');
    lines.push(`Status codes: ${statuses.map(([s, v]) => `${s}: ${formatCount(v)}`).join(', ')}`);
  }
  const failures = countersWith(result, 'http_req_failed', 'kind').sort((a, b) => FAILURE_KINDS.indexOf(a[0] as never) - FAILURE_KINDS.indexOf(b[0] as never));
  if (failures.length > 0) {
    lines.push('Failure breakdown:');
    for (const [kind, v] of failures) lines.push(`  ${kind.padEnd(12)} ${formatCount(v).padStart(10)}  (${pct(v, n)}%)`);
  }
  lines.push(...failureDetailLines(result));
  lines.push(...localLimitLines(result));
  const late = result.summary['http_req_timeout_lateness'];
  if (late !== undefined && late.count > 0 && late.max >= LATE_MS) {
    lines.push(
      `Timeouts were seen late, by up to ${formatDuration(late.max)} (p99 ${formatDuration(late.p99)}): the generator was too busy to keep its deadlines,`,
      '  so a timed-out request ran that much longer than --timeout.',
    );
  }
  if (http) lines.push('', `Data: ${formatBytes(c['data_received'] ?? 0)} received (${formatBytes((c['data_received'] ?? 0) / Math.max(seconds, 1e-9))}/s), ${formatBytes(c['data_sent'] ?? 0)} sent`);
  if (result.rate) {
    lines.push(`Rate: intended ${result.rate.intended.toFixed(2)}/s, achieved ${result.rate.achieved.toFixed(2)}/s; dropped arrivals: ${formatCount(c['dropped_iterations'] ?? 0)}`);
  }
  lines.push(...runShapeLines(result));
  if (result.errors.length > 0) {
    lines.push('');
    lines.push('Errors in user code:');
    for (const e of result.errors) lines.push(`  ${formatCount(e.count).padStart(8)} × ${e.message}\n${e.stack.split('\n').slice(0, 4).map((l) => `             ${l}`).join('\n')}`);
  }
  lines.push(`Workers: ${result.workers}; ${result.model} model; started ${result.startedAt}`);
  const generator = generatorLine(result);
  if (generator !== undefined) lines.push(generator);
  // The front door's own sections, then the verdict: the thresholds and the closing line come last.
  for (const section of sections) if (section.trim() !== '') lines.push('', section.replace(/\n+$/, ''));
  const warning = generatorWarningLines(result);
  if (warning.length > 0) lines.push('', ...warning);
  const verdict = thresholdLines(result);
  if (verdict.length > 0) lines.push('', ...verdict);
  lines.push('', closingLine(result));
  return lines.join('\n') + '\n';
}
