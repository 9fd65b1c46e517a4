import { formatBytes } from '../../core/units.js';
import type { RunResult } from '../../metrics/run-result.js';
import type { DurabilityFigures } from './durability-figures.js';
import { formatDuration } from '../../core/duration.js';
import { causesText, firstFailureText, outageText, signedBytes } from './render-durability.js';
import { formatThresholdActual } from '../../report/verdict.js';
import type { ServerStopReport } from '../../durability/servers/server-adapter.js';

/** DISQUALIFYING_FAILURE_PERCENT: a cell above it shows `Failed` (Labour's 10 %). */
export const DISQUALIFYING_FAILURE_PERCENT = 10;

/** MATRIX_FORMAT names the JSON of a multitest matrix. */
export const MATRIX_FORMAT = 'gauntlet.matrix';

/**
 * MatrixCell is one (server, test) run of a multitest: its status, its figures when it ran, and why
 * not when it did not (`server-failed`: the server would not start; `not-run`: stopped before it).
 */
export interface MatrixCell {
  readonly server: string;
  readonly test: string;
  readonly status: RunResult['stopReason'] | 'server-failed' | 'not-run';
  readonly error?: string;
  readonly figures?: DurabilityFigures;
  readonly durationMs?: number;
  /** plannedRequests is the request count asked for; fewer ran when the cell hit its time limit. */
  readonly plannedRequests?: number;
  readonly serverStop?: ServerStopReport;
  /** result is the cell's whole run result (metrics included), to re-render or merge later. */
  readonly result?: RunResult;
}

/** Matrix is a multitest: a row per server, a column per test. */
export interface Matrix {
  readonly format: typeof MATRIX_FORMAT;
  readonly version: 1;
  readonly startedAt: string;
  readonly servers: readonly string[];
  readonly tests: readonly string[];
  readonly stopReason: 'completed' | 'interrupted';
  readonly cells: readonly MatrixCell[];
}

/** cellOf finds the cell of a server and a test. */
export function cellOf(m: Matrix, server: string, test: string): MatrixCell | undefined {
  return m.cells.find((c) => c.server === server && c.test === test);
}

/** cellText is a matrix cell as Labour wrote it: `f%: 0.00; RPS: 168.85`, or `Failed` above 10 % unexpected results. */
export function cellText(cell: MatrixCell | undefined): string {
  if (cell === undefined || cell.status === 'not-run') return '-';
  const f = cell.figures;
  if (cell.status === 'server-failed' || f === undefined) return 'Failed (server did not start)';
  const cut = cell.status === 'completed' && cell.plannedRequests !== undefined && f.requests < cell.plannedRequests;
  const failedThresholds = cell.result?.thresholds?.filter((t) => !t.ok).length ?? 0;
  const status =
    cell.status === 'threshold'
      ? ' (stopped: threshold failed)'
      : cell.status === 'failures'
        ? ` (stopped at ${f.unexpected} unexpected)`
        : cell.status !== 'completed'
          ? ` (${cell.status})`
          : cut
            ? ` (time limit: ${f.requests} of ${cell.plannedRequests})`
            : '';
  const mark = status + (failedThresholds > 0 && cell.status !== 'threshold' ? ` (${failedThresholds} threshold(s) failed)` : '');
  if (f.unexpectedPercent > DISQUALIFYING_FAILURE_PERCENT) return `Failed${outageSuffix(f)}${mark}`;
  return `f%: ${f.unexpectedPercent.toFixed(2)}; RPS: ${f.requestsPerSecond.toFixed(2)}${mark}`;
}

/**
 * outageSuffix says in a few characters whether a failed server came back (see OutageFigures):
 * `; recovers 20ms` (the longest outage: the worst wait a client saw), `; died` (no success after
 * the last failure, and the server's processes were gone or it refused to the end), `; not
 * recovered` (something still listened but nothing succeeded), or nothing when no outage was seen.
 */
export function outageSuffix(f: DurabilityFigures): string {
  const o = f.outages;
  if (o === undefined || o.state === 'none') return '';
  if (o.state === 'died') return '; died';
  if (o.state === 'not-recovered') return '; not recovered';
  return o.longestMs !== undefined ? `; recovers ${shortMs(o.longestMs)}` : '; recovers';
}

/** shortMs is a duration in a few characters: `20ms`, `1.2s`, `3m05s`. */
export function shortMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return formatDuration(ms);
}

/** crashText is a cell's crashes in short: `5; p50 12.1ms, max 40.2ms (1 unrecovered when the run ended)`, `5; never recovered`, or `-`. */
function crashText(f: DurabilityFigures): string {
  if (f.crashes === 0) return '-';
  if (f.recovery === undefined) return `${f.crashes}; never recovered`;
  const times = `p50 ${formatDuration(f.recovery.p50Ms)}, max ${formatDuration(f.recovery.maxMs)}`;
  // A worker whose last crash had no OK request after it before the run ended: say that plainly.
  return `${f.crashes}; ${times}${f.unrecoveredCrashes > 0 ? ` (${f.unrecoveredCrashes} unrecovered when the run ended)` : ''}`;
}

/** renderTable draws rows as a prettytable-style ASCII table, left-aligned. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const line = (cells: readonly string[]): string => `| ${widths.map((w, i) => (cells[i] ?? '').padEnd(w)).join(' | ')} |`;
  return [rule, line(header), rule, ...rows.map(line), rule].join('\n') + '\n';
}

/**
 * renderMatrix renders a multitest as Labour did (`N test(s) against M server(s) finished.`, `Report of
 * request failure percent and requests/sec:` and the table), then the durability figures per cell:
 * collateral failures, crash recovery, worker restarts, peak RSS and its growth, first unexpected failure.
 */
export function renderMatrix(m: Matrix): string {
  const out: string[] = [];
  const ran = m.servers.filter((s) => m.cells.some((c) => c.server === s && c.status !== 'not-run'));
  out.push(`${m.tests.length} test(s) against ${ran.length} server(s) ${m.stopReason === 'completed' ? 'finished' : 'run before the stop'}.`);
  out.push('');
  out.push('Report of request failure percent and requests/sec:');
  out.push(renderTable(['Server', ...m.tests], m.servers.map((s) => [s, ...m.tests.map((t) => cellText(cellOf(m, s, t)))])).trimEnd());
  out.push('');
  out.push('Durability figures (collateral: well-behaved requests that failed; recovery: from a crash to the next OK request):');
  const rows: string[][] = [];
  for (const s of m.servers) {
    for (const t of m.tests) {
      const c = cellOf(m, s, t);
      if (c === undefined || c.status === 'not-run') continue;
      const f = c.figures;
      if (f === undefined) {
        rows.push([s, t, '-', '-', '-', '-', '-', c.status === 'server-failed' ? 'the server did not start' : c.status]);
        continue;
      }
      const st = f.serverStats;
      rows.push([
        s,
        t,
        String(f.collateralFailures),
        crashText(f),
        st === undefined ? '-' : String(st.restarts),
        st === undefined ? '-' : formatBytes(st.peakRssBytes),
        st === undefined ? '-' : signedBytes(st.rssGrowthBytes),
        firstFailureText(f),
      ]);
    }
  }
  out.push(renderTable(['Server', 'Test', 'Collateral', 'Crashes; recovery', 'Restarts', 'Peak RSS', 'RSS growth', 'First unexpected'], rows).trimEnd());
  const caused = m.cells.filter((c) => (c.figures?.causes?.length ?? 0) > 0 || (c.figures?.outages?.count ?? 0) > 0);
  if (caused.length > 0) {
    out.push('');
    out.push('Failure causes and outages (an outage: from the first failed request of a streak to the next success):');
    for (const c of caused) {
      const f = c.figures!;
      out.push(`  ${c.server} × ${c.test}: ${(f.causes?.length ?? 0) > 0 ? causesText(f) : 'no unexpected result'}`);
      if (f.outages !== undefined && f.outages.state !== 'none') out.push(`    outages: ${outageText(f.outages)}`);
    }
  }
  const judged = m.cells.filter((c) => (c.result?.thresholds?.length ?? 0) > 0);
  if (judged.length > 0) {
    out.push('');
    out.push('Thresholds:');
    for (const c of judged) {
      for (const t of c.result!.thresholds!) {
        out.push(`  ${t.ok ? 'PASS' : 'FAIL'}  ${c.server} × ${c.test}: ${t.metric} ${t.expression}  (actual ${formatThresholdActual(c.result!, t)})`);
      }
    }
  }
  const problems = m.cells.filter((c) => c.error !== undefined);
  if (problems.length > 0) {
    out.push('');
    for (const c of problems) out.push(`${c.server} × ${c.test}: ${c.error!.split('\n')[0]}`);
  }
  return out.join('\n') + '\n';
}

/** MATRIX_CSV_HEADER is the header of the matrix CSV (`multitest --csv`), one row per cell. */
export const MATRIX_CSV_HEADER =
  'server,test,status,requests,unexpected,failure_percent,rps,collateral_failures,crashes,recovery_p50_ms,recovery_max_ms,unrecovered_crashes,restarts,peak_rss_bytes,rss_growth_bytes,first_unexpected_ms,error,outage_state,outages,outage_longest_ms';

function csvField(v: string | number | undefined): string {
  if (v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : v;
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** renderMatrixCsv renders the matrix as CSV, one row per cell that was tried. */
export function renderMatrixCsv(m: Matrix): string {
  const rows = [MATRIX_CSV_HEADER];
  for (const c of m.cells) {
    const f = c.figures;
    const s = f?.serverStats;
    rows.push(
      [
        c.server,
        c.test,
        c.status,
        f?.requests,
        f?.unexpected,
        f?.unexpectedPercent,
        f?.requestsPerSecond,
        f?.collateralFailures,
        f?.crashes,
        f?.recovery?.p50Ms,
        f?.recovery?.maxMs,
        f?.unrecoveredCrashes,
        s?.restarts,
        s?.peakRssBytes,
        s?.rssGrowthBytes,
        f?.firstUnexpectedMs,
        c.error?.split('\n')[0],
        f?.outages?.state,
        f?.outages?.count,
        f?.outages?.longestMs,
      ]
        .map(csvField)
        .join(','),
    );
  }
  return rows.join('\n') + '\n';
}
