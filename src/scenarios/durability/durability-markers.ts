import { formatCount } from '../../core/units.js';
import type { ServerStats } from '../../durability/server-watch.js';
import type { IntervalRow } from '../../metrics/run-result.js';
import type { ChartMarker } from '../../report/page-model.js';
import { DURABILITY_METRICS } from './durability-scenario.js';

/** MAX_MARKER_BUCKETS bounds the markers of one kind: a long run's intervals are grouped into this many buckets first. */
export const MAX_MARKER_BUCKETS = 400;

/** MARKER_COLORS: crashes red, unexpected results amber, worker restarts purple (as the restarts line). */
export const MARKER_COLORS = { crash: '#dc2626', failure: '#d97706', restart: '#9333ea' } as const;

const seconds = (ms: number) => Math.round(ms) / 1000;

/**
 * spans marks the stretches of intervals where `count` is above zero: consecutive ones become one
 * span, and a long run's intervals are bucketed first, so a kind never has more than
 * MAX_MARKER_BUCKETS / 2 markers (a 1-hour run that fails every second draws one band, not 3,600 lines).
 */
function spans(rows: readonly IntervalRow[], count: (r: IntervalRow) => number, kind: 'crash' | 'failure', what: string): ChartMarker[] {
  const size = Math.max(1, Math.ceil(rows.length / MAX_MARKER_BUCKETS));
  const out: ChartMarker[] = [];
  let open: { from: number; to: number; n: number } | undefined;
  const close = () => {
    if (open === undefined) return;
    out.push({ t: seconds(open.from), until: seconds(open.to), kind, label: `${formatCount(open.n)} ${what} from ${seconds(open.from)} s to ${seconds(open.to)} s`, color: MARKER_COLORS[kind] });
    open = undefined;
  };
  for (let i = 0; i < rows.length; i += size) {
    const bucket = rows.slice(i, i + size);
    const n = bucket.reduce((s, r) => s + count(r), 0);
    if (n === 0) {
      close();
      continue;
    }
    const from = bucket[0]!.startMs;
    const last = bucket[bucket.length - 1]!;
    const to = last.startMs + last.durationMs;
    if (open === undefined) open = { from, to, n };
    else open = { from: open.from, to, n: open.n + n };
  }
  close();
  return out;
}

/**
 * durabilityMarkers marks what went wrong on a durability run's time charts: the intervals with crash
 * requests (red) and with unexpected results (amber), as spans of intervals, and each worker restart
 * the server watch saw (purple, at the first point that counted it).
 */
export function durabilityMarkers(intervals: readonly IntervalRow[], stats?: ServerStats): ChartMarker[] {
  const out = [
    ...spans(intervals, (r) => r.counters[DURABILITY_METRICS.crashes] ?? 0, 'crash', 'crash request(s)'),
    ...spans(intervals, (r) => r.counters['http_req_failed'] ?? 0, 'failure', 'unexpected result(s)'),
  ];
  const series = stats?.series ?? [];
  for (let i = 1; i < series.length && out.length < 2 * MAX_MARKER_BUCKETS; i++) {
    const added = series[i]!.restarts - series[i - 1]!.restarts;
    if (added > 0) out.push({ t: seconds(series[i]!.tMs), kind: 'restart', label: `${added} worker restart(s) seen at ${seconds(series[i]!.tMs)} s`, color: MARKER_COLORS.restart });
  }
  return out;
}
