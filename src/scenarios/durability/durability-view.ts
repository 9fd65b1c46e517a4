import { formatDuration } from '../../core/duration.js';
import { formatBytes, formatCount } from '../../core/units.js';
import type { PageTable, SectionView } from '../../report/page-model.js';
import type { DurabilityFigures } from './durability-figures.js';
import { firstFailureText, recoveryText, signedBytes } from './render-durability.js';

/**
 * durabilityView shows a durability run's figures on the page: the figures in words, requests and
 * unexpected results per behaviour, and what the server's process tree did, with its RSS, CPU,
 * processes and restarts over the run as charts.
 */
export function durabilityView(f: DurabilityFigures): SectionView {
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
      const t = s.series.map((p) => Math.round(p.tMs) / 1000);
      charts.push(
        { id: 'server-rss', title: 'Server RSS', unit: 'bytes', x: 'time', lines: [{ key: 'rss', label: 'RSS', color: '#2563eb' }], columns: { t, rss: s.series.map((p) => p.rssBytes) } },
        { id: 'server-cpu', title: 'Server CPU (seconds used)', unit: 'cpu_s', x: 'time', lines: [{ key: 'cpu', label: 'CPU', color: '#9333ea' }], columns: { t, cpu: s.series.map((p) => p.cpuSeconds - s.series[0]!.cpuSeconds) } },
        {
          id: 'server-processes',
          title: 'Server processes and restarts',
          unit: 'count',
          x: 'time',
          lines: [
            { key: 'processes', label: 'processes', color: '#0891b2' },
            { key: 'restarts', label: 'restarts', color: '#dc2626' },
          ],
          columns: { t, processes: s.series.map((p) => p.processes), restarts: s.series.map((p) => p.restarts - s.series[0]!.restarts) },
        },
      );
    }
  }
  return { id: 'section-durability', title: 'Durability', tables, charts };
}
