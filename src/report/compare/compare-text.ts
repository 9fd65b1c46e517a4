import { formatCount } from '../../core/units.js';
import type { GateVerdict } from '../../metrics/regression-gate.js';
import { NOISE_K, type CompareCell, type CompareRow, type Comparison } from './compare-runs.js';

function fmt(v: number, unit: CompareRow['unit']): string {
  if (Number.isNaN(v)) return '-';
  if (unit === 'pass') return v === 1 ? 'pass' : 'FAIL';
  if (unit === 'count') return formatCount(v);
  if (unit === '%') return `${v.toFixed(v !== 0 && Math.abs(v) < 0.1 ? 3 : 2)}%`;
  if (unit === 'ms') return v >= 100 ? `${v.toFixed(0)}ms` : v >= 10 ? `${v.toFixed(1)}ms` : `${v.toFixed(2)}ms`;
  return v.toFixed(1);
}

function change(cell: CompareCell, base: CompareCell, row: CompareRow): string {
  if (cell.delta === undefined || row.unit === 'pass') return '';
  if (row.unit === '%') return `${cell.delta >= 0 ? '+' : ''}${cell.delta.toFixed(2)}pt`;
  if (base.value === 0) return cell.delta === 0 ? '0%' : '';
  const pct = (cell.delta / base.value) * 100;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%`;
}

function verdictText(cell: CompareCell, row: CompareRow): string {
  if (cell.verdict === 'base' || row.better === 'none') return '';
  if (cell.verdict === 'n/a') return row.unit === 'pass' ? '' : cell.noise === Infinity ? 'too few values to tell' : 'no noise estimate';
  if (row.unit === 'pass') return cell.verdict === 'same' ? 'same' : cell.verdict;
  const noise = fmt(cell.noise ?? NaN, row.unit === '%' ? '%' : row.unit).replace(/%$/, 'pt');
  return cell.verdict === 'same' ? `same (within ±${noise})` : `${cell.verdict} (beyond ±${noise})`;
}

/**
 * renderComparison is the side-by-side table: each row's value per run, and for every run after the
 * base its change and verdict (`same` when within the noise band, shown as ±NOISE_K pooled
 * standard errors). Rows with no data in any run are left out.
 */
export function renderComparison(c: Comparison): string {
  const header = ['', ...c.labels.flatMap((l, i) => (i === 0 ? [`${l} (base)`] : [l, 'change', 'verdict']))];
  const lines: string[][] = [header];
  for (const row of c.rows) {
    if (row.cells.every((cell) => Number.isNaN(cell.value))) continue;
    const base = row.cells[0]!;
    lines.push([row.label, ...row.cells.flatMap((cell, i) => (i === 0 ? [fmt(cell.value, row.unit)] : [fmt(cell.value, row.unit), change(cell, base, row), verdictText(cell, row)]))]);
  }
  const widths = header.map((_, col) => Math.max(...lines.map((l) => (l[col] ?? '').length)));
  const text = lines.map((l) => l.map((s, col) => (col === 0 || (col > 1 && (col - 1) % 3 === 0) ? s.padEnd(widths[col]!) : s.padStart(widths[col]!))).join('  ').trimEnd()).join('\n');
  const worse = c.rows.flatMap((r) => r.cells.filter((cell) => cell.verdict === 'worse').map(() => r.label));
  const better = c.rows.flatMap((r) => r.cells.filter((cell) => cell.verdict === 'better').map(() => r.label));
  return `${text}\n\nNoise: a change within ±${NOISE_K} pooled standard errors (from the spread of the per-interval values) is "same".\n${worse.length} row(s) worse, ${better.length} better beyond the noise.\n`;
}

/** renderGates lists the --fail-on verdicts: the base's figure, the bound it gives and the new run's. */
export function renderGates(verdicts: readonly { label: string; verdict: GateVerdict }[]): string {
  if (verdicts.length === 0) return '';
  const lines = verdicts.map(({ label, verdict: v }) => {
    const f = (x: number) => (Number.isNaN(x) ? 'no data' : Number(x.toPrecision(6)).toString());
    return `  ${v.failed ? 'FAILED' : 'ok    '}  ${v.gate}  (${label}: ${f(v.actual)}; base ${f(v.base)}, bound ${f(v.bound)})`;
  });
  const failed = verdicts.filter((v) => v.verdict.failed).length;
  return `Regression gates:\n${lines.join('\n')}\n${failed > 0 ? `${failed} gate(s) failed.` : 'All gates passed.'}\n`;
}
