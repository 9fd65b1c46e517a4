import { formatDuration } from '../core/duration.js';
import { formatBytes, formatCount } from '../core/units.js';
import { BUILT_IN_METRICS, isBuiltInMetric, RATE_METRICS } from '../metrics/built-in-metrics.js';
import { parseMetricKey, VALUE_SCALE } from '../metrics/registry.js';
import type { RunResult, ThresholdOutcome } from '../metrics/run-result.js';

/** NOT_OK_FAILED_SHARE: this share (or more) of requests, iterations or checks failed means the run did not do what was asked. */
export const NOT_OK_FAILED_SHARE = 0.5;
/** NOT_OK_DROPPED_SHARE: this share (or more) of the open model's arrivals dropped means the run did not do what was asked. */
export const NOT_OK_DROPPED_SHARE = 0.1;

const pct = (n: number, d: number) => (d === 0 ? '0.00' : ((100 * n) / d).toFixed(2));
const share = (n: number, d: number) => `${Math.round((100 * n) / d)} %`;

/** RunCounts are the figures the headline and the verdict are made of, read from a result's counters. */
export interface RunCounts {
  /** http: the run made HTTP requests (else the first two lines count iterations). */
  readonly http: boolean;
  readonly requests: number;
  readonly requestsFailed: number;
  /** script: a scripted run (iterations per test), whose iterations have their own line. */
  readonly script: boolean;
  readonly iterations: number;
  /** iterationsFailed: iterations that threw, had a failed request or a failed check. */
  readonly iterationsFailed: number;
  /** iterationsThrew: iterations that threw (a subset of iterationsFailed). */
  readonly iterationsThrew: number;
  readonly checks: number;
  readonly checksFailed: number;
  readonly dropped: number;
  /** arrivals: the open model's arrivals (started + dropped); 0 in the closed model. */
  readonly arrivals: number;
}

/** runCounts reads the headline's figures; results written before `iterations_failed` existed count the iterations that threw. */
export function runCounts(result: RunResult): RunCounts {
  const c = result.metrics.counters;
  const http = c['http_reqs'] !== undefined;
  const script = Object.keys(c).some((k) => k.startsWith('iterations{test:'));
  const iterations = c['iterations'] ?? 0;
  const threw = c['iteration_errors'] ?? 0;
  const requests = c['http_reqs'] ?? 0;
  const dropped = c['dropped_iterations'] ?? 0;
  const started = script || !http ? iterations : Math.max(iterations, requests);
  return {
    http,
    requests,
    requestsFailed: c['http_req_failed'] ?? 0,
    script,
    iterations,
    iterationsFailed: Math.min(iterations, Math.max(c['iterations_failed'] ?? 0, threw)),
    iterationsThrew: threw,
    checks: (c['checks{result:pass}'] ?? 0) + (c['checks{result:fail}'] ?? 0),
    checksFailed: c['checks{result:fail}'] ?? 0,
    dropped,
    arrivals: result.model === 'open' ? started + dropped : 0,
  };
}

/**
 * headlineLines are the summary's first lines, in the seed's form: `Test of N requests complete in
 * S seconds (R req/s).` and `N requests (P%) returned OK and M (Q%) failed.` — where dropped
 * arrivals of a bench run count as not OK (`85 requests (14.17% of 600 arrivals) returned OK …; 515
 * arrivals (85.83%) dropped.`) — then, for a script, the iterations: how many succeeded, how many
 * failed (threw, or had a failed request or check), the checks that failed and the arrivals dropped.
 */
export function headlineLines(result: RunResult): string[] {
  const k = runCounts(result);
  const n = k.http ? k.requests : k.iterations;
  const failed = k.http ? k.requestsFailed : k.iterationsFailed;
  const unit = k.http ? 'requests' : 'iterations';
  const ok = n - failed;
  const seconds = result.durationMs / 1000;
  const lines = [`Test of ${n} ${unit} complete in ${seconds.toFixed(2)} seconds (${(n / Math.max(seconds, 1e-9)).toFixed(2)} ${k.http ? 'req' : 'it'}/s).`];
  const verb = k.http ? 'returned OK' : 'succeeded';
  if (k.dropped > 0 && !k.script) {
    lines.push(`${ok} ${unit} (${pct(ok, k.arrivals)}% of ${k.arrivals} arrivals) ${verb} and ${failed} (${pct(failed, k.arrivals)}%) failed; ${k.dropped} arrivals (${pct(k.dropped, k.arrivals)}%) dropped.`);
  } else {
    lines.push(`${ok} ${unit} (${pct(ok, n)}%) ${verb} and ${failed} (${pct(failed, n)}%) failed.`);
  }
  if (k.script) {
    const parts: string[] = [];
    if (k.http) {
      const other = k.iterationsFailed - k.iterationsThrew;
      const why = [`${formatCount(k.iterationsThrew)} threw`, ...(other > 0 ? [`${formatCount(other)} with a failed request or check`] : [])];
      parts.push(`${formatCount(k.iterations)} iterations: ${formatCount(k.iterations - k.iterationsFailed)} succeeded, ${formatCount(k.iterationsFailed)} failed (${why.join(', ')})`);
    }
    if (k.checks > 0) parts.push(`${formatCount(k.checksFailed)} of ${formatCount(k.checks)} checks failed`);
    if (k.dropped > 0) parts.push(`${formatCount(k.dropped)} of ${formatCount(k.arrivals)} arrivals (${pct(k.dropped, k.arrivals)}%) dropped`);
    if (parts.length > 0) lines.push(parts.join('; ') + '.');
  }
  return lines;
}

/** problems lists what makes a run NOT OK: a failure of the run, failed thresholds, most requests, iterations or checks failed, many arrivals dropped. */
function problems(result: RunResult, k: RunCounts): string[] {
  const out: string[] = [];
  if (result.stopReason === 'failed') out.push(`the run failed: ${result.error ?? 'unknown error'}`);
  const failedT = (result.thresholds ?? []).filter((t) => !t.ok);
  if (result.stopReason === 'threshold') out.push(`threshold ${result.abortedBy ?? ''} failed and stopped the run (exit 99)`);
  else if (failedT.length > 0) out.push(`${failedT.length} of ${result.thresholds!.length} thresholds failed (exit 99): ${failedT.map((t) => `${t.metric} ${t.expression}`).join(', ')}`);
  const most = (failed: number, total: number, what: string, every: string) => {
    if (total === 0 || failed / total < NOT_OK_FAILED_SHARE) return;
    out.push(failed === total ? `every ${every} failed (${formatCount(total)} of ${formatCount(total)})` : `${share(failed, total)} of ${what} failed (${formatCount(failed)} of ${formatCount(total)})`);
  };
  if (k.script || !k.http) most(k.iterationsFailed, k.iterations, 'iterations', 'iteration');
  if (k.http) most(k.requestsFailed, k.requests, 'requests', 'request');
  most(k.checksFailed, k.checks, 'checks', 'check');
  if (k.arrivals > 0 && k.dropped / k.arrivals >= NOT_OK_DROPPED_SHARE) {
    out.push(`${share(k.dropped, k.arrivals)} of arrivals were dropped (${formatCount(k.dropped)} of ${formatCount(k.arrivals)}): the target or the generator could not keep up (more -c/--max-queue, or a lower -r)`);
  }
  if (result.stopReason !== 'failed' && k.requests === 0 && k.iterations === 0) out.push('nothing ran: no request and no iteration completed');
  return out;
}

/**
 * closingLine is the summary's last line, the run's verdict in words: `NOT OK: …` when the run did
 * not do what was asked (the run failed, a threshold failed, at least half of the requests,
 * iterations or checks failed, at least 10 % of arrivals were dropped, or nothing ran), otherwise
 * `OK: …` naming any failures there were; either says so when the generator was saturated. The exit
 * code is not changed by it (only thresholds do).
 */
export function closingLine(result: RunResult): string {
  const k = runCounts(result);
  const caveats =
    (result.stopReason === 'interrupted' || result.stopReason === 'aborted' ? ' (stopped early by the user)' : '') +
    (result.incomplete !== undefined ? ' (incomplete: part of the plan did not run, see above)' : '') +
    // Only a saturated generator changes what the figures mean; late timers alone (a crowded
    // machine) are the warning's business above, not the verdict's.
    (result.generator?.saturated === true ? ' (the generator was saturated: the figures are partly its own, see above)' : '');
  const bad = problems(result, k);
  if (bad.length > 0) return `NOT OK: ${bad.join('; ')}${caveats}.`;
  const some: string[] = [];
  if (k.http && k.requestsFailed > 0) some.push(`${formatCount(k.requestsFailed)} of ${formatCount(k.requests)} requests failed`);
  if ((k.script || !k.http) && k.iterationsFailed > 0) some.push(`${formatCount(k.iterationsFailed)} of ${formatCount(k.iterations)} iterations failed`);
  if (k.checksFailed > 0) some.push(`${formatCount(k.checksFailed)} of ${formatCount(k.checks)} checks failed`);
  if (k.dropped > 0) some.push(`${formatCount(k.dropped)} of ${formatCount(k.arrivals)} arrivals dropped`);
  if (some.length > 0) return `OK, with failures: ${some.join(', ')}${caveats}.`;
  const all = [k.http ? 'every request returned OK' : 'every iteration succeeded'];
  if (k.http && k.script) all.push('every iteration succeeded');
  if (k.checks > 0) all.push('every check passed');
  if ((result.thresholds ?? []).length > 0) all.push('every threshold passed');
  return `OK: ${all.join(', ')}${caveats}.`;
}

/** thresholdsFailed says whether a threshold failed (or stopped the run): every report's header says so. */
export function thresholdsFailed(result: RunResult): boolean {
  return result.stopReason === 'threshold' || (result.thresholds ?? []).some((t) => !t.ok);
}

/**
 * formatThresholdActual renders a threshold's measured value in its unit: durations as `67.0ms`,
 * rates of checks and http_req_failed as `%`, other rates per second, counts plain, bytes in B/KiB;
 * a metric with no data says so by name (`no data: metric X was never recorded`).
 */
export function formatThresholdActual(result: RunResult, t: ThresholdOutcome): string {
  if (Number.isNaN(t.actual)) return `no data: metric ${t.metric} was never recorded`;
  const { name } = parseMetricKey(t.metric);
  const agg = /^(p\(|avg|min|max|med|count|rate|value)/i.exec(t.expression)?.[1]?.toLowerCase() ?? '';
  const plain = (v: number) => (Number.isInteger(v) ? formatCount(v) : v.toFixed(3));
  if (agg === 'rate') return RATE_METRICS.has(name) ? `${(t.actual * 100).toFixed(2)}%` : `${t.actual.toFixed(2)}/s`;
  if (agg === 'count') return plain(t.actual);
  const trend = result.metrics.trends[t.metric] ?? result.metrics.trends[name];
  const unit = isBuiltInMetric(name) ? BUILT_IN_METRICS[name] : trend !== undefined && trend.scale !== VALUE_SCALE ? 'ms' : 'count';
  if (unit === 'ms') return formatDuration(t.actual);
  if (unit === 'bytes') return formatBytes(t.actual);
  return plain(t.actual);
}

/** thresholdLines render the verdict block: one PASS/FAIL line per threshold, the actual value in its unit. */
export function thresholdLines(result: RunResult): string[] {
  if (!result.thresholds || result.thresholds.length === 0) return [];
  const lines = ['Thresholds:'];
  for (const t of result.thresholds) lines.push(`  ${t.ok ? 'PASS' : 'FAIL'}  ${t.metric} ${t.expression}  (actual ${formatThresholdActual(result, t)})`);
  return lines;
}

/**
 * renderThresholdVerdicts is the threshold block of the front doors that print their own report
 * (singletest, basic): the line saying an abort-on-fail threshold stopped the run, then the same
 * `Thresholds:` lines as the text summary; empty when the run had no thresholds.
 */
export function renderThresholdVerdicts(result: RunResult): string {
  const lines: string[] = [];
  if (result.stopReason === 'threshold') lines.push(`Stopped early: threshold ${result.abortedBy ?? ''} failed (abort on fail).`);
  lines.push(...thresholdLines(result));
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}
