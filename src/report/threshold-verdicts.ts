import type { RunResult } from '../metrics/run-result.js';

/** thresholdsFailed says whether any threshold of a run failed (its verdicts are in `result.thresholds`). */
export function thresholdsFailed(result: RunResult | undefined): boolean {
  return result?.thresholds?.some((t) => !t.ok) === true;
}

/**
 * renderThresholdVerdicts is the threshold block of the front doors that print their own report
 * (singletest, basic): `Thresholds:` and one `PASS`/`FAIL` line per threshold, with the line that
 * says an abort-on-fail threshold stopped the run; empty when the run had no thresholds.
 */
export function renderThresholdVerdicts(result: RunResult): string {
  const lines: string[] = [];
  if (result.stopReason === 'threshold') lines.push(`Stopped early: threshold ${result.abortedBy ?? ''} failed (abort on fail).`);
  if (result.thresholds && result.thresholds.length > 0) {
    lines.push('Thresholds:');
    for (const t of result.thresholds) {
      const actual = typeof t.actual !== 'number' || Number.isNaN(t.actual) ? 'no data' : Number.isInteger(t.actual) ? String(t.actual) : t.actual.toFixed(3);
      lines.push(`  ${t.ok ? 'PASS' : 'FAIL'}  ${t.metric} ${t.expression}  (actual ${actual})`);
    }
  }
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}
