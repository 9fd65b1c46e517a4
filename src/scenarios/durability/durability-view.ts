import { formatDuration } from '../../core/duration.js';
import { formatBytes, formatCount } from '../../core/units.js';
import type { IntervalRow } from '../../metrics/run-result.js';
import { MAX_PAGE_POINTS } from '../../report/dashboard-view.js';
import type { PageTable, SectionView } from '../../report/page-model.js';
import type { DurabilityFigures } from './durability-figures.js';
import { durabilityMarkers } from './durability-markers.js';
import { firstFailureText, recoveryText, signedBytes } from './render-durability.js';
import { countRangeText, failureDriftText, latencyDriftText, rssSlopeFigures, SOAK_VERDICT } from './render-soak.js';
import type { SoakFigures } from './soak.js';

/** thinned keeps at most `max` points of a long series, evenly spaced, and always the last (a day at 1 s intervals is 86,400). */
function thinned<T>(points: readonly T[], max: number): readonly T[] {
  if (points.length <= max) return points;
  const step = points.length / max;
  const out: T[] = [];
  for (let i = 0; i < max - 1; i++) out.push(points[Math.floor(i * step)]!);
  out.push(points[points.length - 1]!);
  return out;
}

/** soakTable shows the soak figures: the RSS slope and its band, fds, threads, and the first tenth against the last. */
function soakTable(s: SoakFigures): PageTable {
  const rows: PageTable['rows'][number][] = [];
  if (s.rss !== undefined) {
    const tone = s.rss.verdict === 'growing' ? ('warn' as const) : s.rss.verdict === 'flat' ? ('ok' as const) : undefined;
    rows.push(
      ['RSS slope', { text: SOAK_VERDICT[s.rss.verdict], ...(tone !== undefined ? { tone } : {}) }],
      ['per hour and per 1,000 requests', rssSlopeFigures(s.rss)],
      ['fit', `least squares over ${formatCount(s.rss.samples)} samples (worth ${s.rss.effectiveSamples.toFixed(1)} independent ones); band ± 2 standard errors`],
    );
  }
  if (s.fds !== undefined) rows.push(['open fds (start → end)', countRangeText(s.fds)]);
  if (s.threads !== undefined) rows.push(['threads (start → end)', countRangeText(s.threads)]);
  if (s.latencyP99Ms !== undefined) rows.push(['latency p99, first tenth → last', latencyDriftText(s.latencyP99Ms)]);
  if (s.failurePercent !== undefined) rows.push(['unexpected, first tenth → last', { text: failureDriftText(s.failurePercent), ...(s.failurePercent.last > s.failurePercent.first ? { tone: 'warn' as const } : {}) }]);
  return {
    id: 'durability-soak',
    title: `Soak (${formatDuration(s.durationMs)})`,
    head: [],
    rows,
    ...(s.short ? { note: 'A short run (under a minute): the slope and the drift say little yet.' } : {}),
  };
}

/**
 * durabilityView shows a durability run's figures on the page: the figures in words, requests and
 * unexpected results per behaviour, what the server's process tree did, with its RSS, CPU,
 * processes and restarts, open fds and threads over the run as charts (on the run's time axis), the
 * soak figures, and, from the run's `intervals` when given, markers for crashes, unexpected results
 * and worker restarts on every time chart of the run.
 */
export function durabilityView(f: DurabilityFigures, intervals: readonly IntervalRow[] = []): SectionView {
  const tables: PageTable[] = [];
  const bad = (n: number) => (n > 0 ? { text: formatCount(n), tone: 'fail' as const } : formatCount(n));
  tables.push({
    id: 'durability-figures',
    title: '',
    head: [],
    rows: [
      ...(f.server !== undefined ? [['server', f.server]] : []),
      ...(f.test !== undefined ? [['test', f.test]] : []),
      ['target', f.target],
      ['policy', `${f.policy.kind}${f.policy.seed !== undefined ? ` (seed ${f.policy.seed})` : ''}`],
      ['requests', formatCount(f.requests)],
      ['unexpected results', { text: `${formatCount(f.unexpected)} (${f.unexpectedPercent.toFixed(2)}%)`, tone: f.unexpected > 0 ? 'fail' : 'ok' }],
      ['requests per second', f.requestsPerSecond.toFixed(2)],
      ['collateral failures', bad(f.collateralFailures)],
      ['crash requests', formatCount(f.crashes)],
      ['recovery', recoveryText(f)],
      ['first unexpected failure', firstFailureText(f)],
    ],
  });
  const most = Math.max(1, ...f.behaviours.map((b) => b.requests));
  tables.push({
    id: 'durability-behaviours',
    title: 'Behaviours (OK means as expected)',
    head: ['behaviour', 'weight', 'requests', 'unexpected'],
    rows: f.behaviours.map((b) => [b.label, String(b.weight), { text: formatCount(b.requests), bar: b.requests / most }, bad(b.unexpected)]),
  });
  const s = f.serverStats;
  const charts: SectionView['charts'][number][] = [];
  if (s !== undefined) {
    tables.push({
      id: 'durability-server',
      title: `Server ${f.server ?? s.name}`,
      head: [],
      rows: [
        ['RSS at start, end, peak', `${formatBytes(s.rssStartBytes)}, ${formatBytes(s.rssEndBytes)}, ${formatBytes(s.peakRssBytes)}`],
        ['RSS growth', { text: signedBytes(s.rssGrowthBytes), ...(s.rssGrowthBytes > 0 ? { tone: 'warn' as const } : {}) }],
        ['CPU', `${s.cpuSeconds.toFixed(2)} s`],
        ['processes', `${s.processesStart} → ${s.processesEnd}`],
        ['worker restarts', bad(s.restarts)],
        ['alive at the end', s.aliveAtEnd ? { text: 'yes', tone: 'ok' } : { text: 'no: the server died', tone: 'fail' }],
        ['samples', `${formatCount(s.samples)} (every ${formatDuration(200)})`],
      ],
    });
    if (s.series.length > 0) {
      const series = thinned(s.series, MAX_PAGE_POINTS);
      const t = series.map((p) => Math.round(p.tMs) / 1000);
      charts.push(
        { id: 'server-rss', title: 'Server RSS', unit: 'bytes', x: 'time', lines: [{ key: 'rss', label: 'RSS', color: '#2563eb' }], columns: { t, rss: series.map((p) => p.rssBytes) } },
        { id: 'server-cpu', title: 'Server CPU (seconds used)', unit: 'cpu_s', x: 'time', lines: [{ key: 'cpu', label: 'CPU', color: '#9333ea' }], columns: { t, cpu: series.map((p) => p.cpuSeconds - series[0]!.cpuSeconds) } },
        {
          id: 'server-processes',
          title: 'Server processes and restarts',
          unit: 'count',
          x: 'time',
          lines: [
            { key: 'processes', label: 'processes', color: '#0891b2' },
            { key: 'restarts', label: 'restarts', color: '#dc2626' },
          ],
          columns: { t, processes: series.map((p) => p.processes), restarts: series.map((p) => p.restarts - series[0]!.restarts) },
        },
      );
      if (series.some((p) => p.fds !== undefined)) {
        charts.push({
          id: 'server-fds',
          title: 'Server open fds and threads',
          unit: 'count',
          x: 'time',
          lines: [
            { key: 'fds', label: 'open fds', color: '#65a30d' },
            { key: 'threads', label: 'threads', color: '#7c2d12' },
          ],
          columns: { t, fds: series.map((p) => p.fds ?? null), threads: series.map((p) => p.threads ?? null) },
        });
      }
    }
  }
  if (f.soak !== undefined) tables.push(soakTable(f.soak));
  const markers = durabilityMarkers(intervals, s);
  return { id: 'section-durability', title: 'Durability', tables, charts, ...(markers.length > 0 ? { markers } : {}) };
}
