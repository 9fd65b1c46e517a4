import { escapeHtml } from './escape-html.js';
import type { IntervalRow, RunResult } from '../metrics/run-result.js';
import { usersLine } from './run-shape-summary.js';
import { svgLineChart } from './svg-chart.js';

/**
 * shapeChart draws the run's shape over time for the HTML report, under its users line: the most
 * users in each interval (closed model), or the most iterations in flight and queued (open model).
 * Empty for a result without gauges (written before they existed).
 */
export function shapeChart(result: RunResult, rows: readonly IntervalRow[]): string {
  if (!rows.some((r) => r.gauges?.['vus'] !== undefined)) return '';
  const xs = rows.map((r) => (r.startMs + r.durationMs) / 1000);
  const most = (key: string) => rows.map((r) => r.gauges?.[key]?.max);
  const open = result.model === 'open';
  const series = open
    ? [
        { name: 'in flight (most)', color: '#2563eb', values: most('vus') },
        { name: 'queued (most)', color: '#d97706', values: most('iterations_queued') },
      ]
    : [{ name: 'users (most)', color: '#2563eb', values: most('vus') }];
  const line = usersLine(result);
  return [line !== undefined ? `<p>${escapeHtml(line)}</p>` : '', svgLineChart({ title: open ? 'In flight and queued per interval' : 'Users per interval', unit: open ? 'iterations' : 'users', xs, series })].join('\n');
}
