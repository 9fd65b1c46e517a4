import { formatDuration } from '../../core/duration.js';
import { formatCount } from '../../core/units.js';
import { isBuiltInTrend } from '../../metrics/built-in-metrics.js';
import type { TrendSummary } from '../../metrics/histogram.js';
import { parseMetricKey, VALUE_SCALE } from '../../metrics/registry.js';
import type { RunResult } from '../../metrics/run-result.js';
import { countersWith } from '../../report/text-summary.js';
import { renderWsSummary, wsHitsSuffix } from './ws-summary.js';

/** ScriptSection is what a scripted run adds to its result: the shutdown hooks that failed. */
export interface ScriptSection {
  readonly shutdownFailures: readonly string[];
}

declare module '../../metrics/run-result.js' {
  interface ResultSections {
    script: ScriptSection;
  }
}

const num = (v: number) => (Math.abs(v) >= 1000 || Number.isInteger(v) ? formatCount(v) : v.toPrecision(4));

function customLine(label: string, t: TrendSummary): string {
  return `  ${label.padEnd(24)} count ${formatCount(t.count)}  mean ${num(t.mean)}  p50 ${num(t.p50)}  p90 ${num(t.p90)}  p99 ${num(t.p99)}  max ${num(t.max)}`;
}

/**
 * renderScriptSummary renders what a scripted run adds to the text summary (a pure function of the
 * result): per test (pysurge's report) the iterations fired, successes, failures and run time;
 * Loads' fields; WebSocket figures; per request name the count and latency percentiles; checks; custom metrics.
 */
export function renderScriptSummary(result: RunResult): string {
  const c = result.metrics.counters;
  const lines: string[] = [];
  const iterations = new Map(countersWith(result, 'iterations', 'test'));
  const errors = new Map(countersWith(result, 'iteration_errors', 'test'));
  // iterations_failed (threw, a request not as expected or a failed check); older results have only iteration_errors.
  const failures = new Map(countersWith(result, 'iterations_failed', 'test'));
  if (iterations.size > 0) {
    lines.push('Tests:');
    for (const [test, n] of iterations) {
      const failed = Math.max(failures.get(test) ?? 0, errors.get(test) ?? 0);
      const d = result.summary[`iteration_duration{test:${test}}`];
      lines.push(`  ${test.padEnd(24)} ${formatCount(n)} iterations, ${formatCount(n - failed)} succeeded, ${formatCount(failed)} failed${d ? `; iteration p50 ${formatDuration(d.p50)}, p99 ${formatDuration(d.p99)}` : ''}`);
    }
  }
  const seconds = result.durationMs / 1000;
  const hits = c['http_reqs'] ?? 0;
  lines.push('');
  lines.push(`Duration: ${seconds.toFixed(2)} s; hits: ${formatCount(hits)}; approximate average RPS: ${(hits / Math.max(seconds, 1e-9)).toFixed(2)}${wsHitsSuffix(result)}`);
  lines.push(`Iterations started: ${formatCount(c['iterations'] ?? 0)}; errors: ${formatCount(c['iteration_errors'] ?? 0)}; failed requests: ${formatCount(c['http_req_failed'] ?? 0)}`);
  lines.push(...renderWsSummary(result));
  const names = Object.keys(result.summary).filter((k) => k.startsWith('http_req_duration{name:'));
  if (names.length > 0) {
    lines.push('');
    lines.push('Requests by name:');
    for (const k of names) {
      const name = parseMetricKey(k).tags['name']!;
      const t = result.summary[k]!;
      const failed = c[`http_req_failed{name:${name}}`] ?? 0;
      lines.push(`  ${name.padEnd(24)} ${formatCount(t.count).padStart(8)} reqs  ${formatCount(failed)} failed  p50 ${formatDuration(t.p50)}  p90 ${formatDuration(t.p90)}  p99 ${formatDuration(t.p99)}  max ${formatDuration(t.max)}`);
    }
  }
  const checkKeys = Object.keys(c).filter((k) => k.startsWith('checks{check:'));
  if (checkKeys.length > 0) {
    const byCheck = new Map<string, { pass: number; fail: number }>();
    for (const k of checkKeys) {
      const { tags } = parseMetricKey(k);
      const e = byCheck.get(tags['check']!) ?? { pass: 0, fail: 0 };
      if (tags['result'] === 'pass') e.pass += c[k]!;
      else e.fail += c[k]!;
      byCheck.set(tags['check']!, e);
    }
    const p = c['checks{result:pass}'] ?? 0;
    const f = c['checks{result:fail}'] ?? 0;
    lines.push('');
    lines.push(`Checks: ${((100 * p) / Math.max(p + f, 1)).toFixed(2)}% passed (${formatCount(p)} of ${formatCount(p + f)})`);
    for (const [name, e] of byCheck) lines.push(`  ${e.fail === 0 ? '✓' : '✗'} ${name.padEnd(30)} ${formatCount(e.pass)} passed, ${formatCount(e.fail)} failed`);
  }
  const custom = Object.keys(result.metrics.trends).filter((k) => !isBuiltInTrend(k));
  if (custom.length > 0) {
    lines.push('');
    lines.push('Custom metrics:');
    for (const k of custom.sort()) {
      const t = result.summary[k];
      if (t === undefined) continue;
      if (result.metrics.trends[k]!.scale === VALUE_SCALE) lines.push(customLine(k, t));
      else lines.push(`  ${k.padEnd(24)} count ${formatCount(t.count)}  mean ${formatDuration(t.mean)}  p99 ${formatDuration(t.p99)}`);
    }
  }
  for (const f of result.sections?.script?.shutdownFailures ?? []) lines.push(`warning: ${f}`);
  return lines.join('\n') + '\n';
}
