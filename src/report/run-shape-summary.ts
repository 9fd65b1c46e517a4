import { formatDuration } from '../core/duration.js';
import { formatCount } from '../core/units.js';
import type { IntervalRow, RunResult } from '../metrics/run-result.js';

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)}s`;

/**
 * liveShape is the live line's shape figure for one interval: `50 users` (closed model) or
 * `in flight 12, queued 3` (open model), from the gauges at the interval's end; empty without gauges.
 */
export function liveShape(row: IntervalRow): string {
  const vus = row.gauges?.['vus'];
  if (vus === undefined) return '';
  const queued = row.gauges?.['iterations_queued'];
  if (queued !== undefined) return `in flight ${formatCount(vus.value)}, queued ${formatCount(queued.value)}`;
  return `${formatCount(vus.value)} users`;
}

/**
 * usersLine says the run's shape in one line: `Users: 50 (max 50)` (the planned users, and the most
 * that ran at once), `Users: 10 → 20 → 30` (a cycle's steps), `Connections: up to 100, at most 37 in
 * flight` (the open model). Undefined for a result with neither a shape nor gauges (an old file).
 */
export function usersLine(result: RunResult): string | undefined {
  const max = result.metrics.gauges?.['vus']?.max;
  const parts = result.shape?.parts ?? [];
  if (parts.length === 0) return max === undefined ? undefined : `Users: at most ${formatCount(max)} at once`;
  const named = parts.length > 1;
  const open = parts.filter((p) => p.kind === 'open');
  const closed = parts.filter((p) => p.kind === 'closed');
  const out: string[] = [];
  if (closed.length > 0) {
    const each = closed.map((p) => (named ? `${p.name} ` : '') + p.users.map((u) => formatCount(u)).join(' → '));
    const single = closed.length === 1 && closed[0]!.users.length === 1;
    out.push(`Users: ${each.join(', ')}${max !== undefined && (single || open.length === 0) ? ` (max ${formatCount(max)})` : ''}`);
  }
  if (open.length > 0) {
    const total = open.reduce((s, p) => s + p.connections, 0);
    out.push(`Connections: up to ${formatCount(total)}${max !== undefined && closed.length === 0 ? `, at most ${formatCount(max)} in flight` : ''}`);
  }
  return out.join('; ');
}

/**
 * stepTable renders the per-step figures (cycles, a ramp-up, stages) as a small table: span, users
 * or target rate, throughput, latency p50/p99 and failures, from the interval series.
 */
export function stepTable(result: RunResult): string[] {
  const steps = result.steps ?? [];
  if (steps.length < 2) return [];
  const rows = steps.map((s) => [
    s.label,
    `${seconds(s.startMs)}–${seconds(s.endMs)}`,
    s.users !== undefined ? `${formatCount(s.users)} users` : s.rate !== undefined ? (s.rate.from === s.rate.to ? `${formatCount(s.rate.to)}/s` : `${formatCount(s.rate.from)}→${formatCount(s.rate.to)}/s`) : '',
    `${formatCount(s.perSecond)}/s`,
    s.p50Ms !== undefined ? formatDuration(s.p50Ms) : '-',
    s.p99Ms !== undefined ? formatDuration(s.p99Ms) : '-',
    formatCount(s.failed),
  ]);
  const head = ['', 'span', 'load', 'throughput', 'p50', 'p99', 'failed'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => '  ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return ['Steps (from the intervals in each span; p50 a weighted mean, p99 the highest interval p99):', fmt(head), ...rows.map(fmt)];
}

/** runShapeLines are the summary's lines about the run's shape: the users line and the step table. */
export function runShapeLines(result: RunResult): string[] {
  const users = usersLine(result);
  const table = stepTable(result);
  return [...(users !== undefined ? [users] : []), ...(table.length > 0 ? ['', ...table] : [])];
}
