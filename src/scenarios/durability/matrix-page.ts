import { formatBytes } from '../../core/units.js';
import type { RunResult } from '../../metrics/run-result.js';
import { buildRunView } from '../../report/dashboard-view.js';
import { reportDoc } from '../../report/html-report.js';
import type { GridView, PageDoc, RunView, SectionView } from '../../report/page-model.js';
import { durabilityOf } from './durability-figures.js';
import { durabilityView } from './durability-view.js';
import { cellOf, cellText, DISQUALIFYING_FAILURE_PERCENT, type Matrix, type MatrixCell } from './matrix.js';
import { causesText, firstFailureText, outageText, signedBytes } from './render-durability.js';
import { rssSlopeText } from './render-soak.js';

/** cellRunId names a matrix cell's run on the page (its index in the matrix's cells). */
export const cellRunId = (index: number): string => `c${index + 1}`;

/** durabilitySections shows a cell's durability figures on the page. */
export const durabilitySections = (result: RunResult): SectionView[] => {
  const f = durabilityOf(result);
  return f === undefined ? [] : [durabilityView(f, result.intervals)];
};

/** cellTone: red for a failed cell (server, run, thresholds or over 10 % unexpected), amber with some unexpected results. */
function cellTone(c: MatrixCell | undefined): GridView['cells'][number]['tone'] {
  if (c === undefined || c.status === 'not-run') return 'none';
  const f = c.figures;
  if (c.status === 'server-failed' || c.status === 'failed' || c.status === 'threshold' || f === undefined) return 'fail';
  if ((c.result?.thresholds ?? []).some((t) => !t.ok) || f.unexpectedPercent > DISQUALIFYING_FAILURE_PERCENT) return 'fail';
  return f.unexpected > 0 || c.status !== 'completed' ? 'warn' : 'ok';
}

/**
 * matrixGrid is a multitest's matrix on the page: Labour's cell text (`f%: 0.00; RPS: 168.85`), a
 * colour per cell and a link to the cell's run, and the durability figures per cell. `cells` may be
 * the cells done so far (live); `runIdOf` names each cell's run.
 */
export function matrixGrid(m: Pick<Matrix, 'servers' | 'tests' | 'cells'>, runIdOf: (cell: MatrixCell) => string | undefined): GridView {
  const rows: string[][] = [];
  for (const c of m.cells) {
    const f = c.figures;
    if (c.status === 'not-run') continue;
    const st = f?.serverStats;
    rows.push([c.server, c.test, f ? String(f.collateralFailures) : '-', f ? String(f.crashes) : '-', st ? String(st.restarts) : '-', st ? formatBytes(st.peakRssBytes) : '-', st ? signedBytes(st.rssGrowthBytes) : '-', f ? firstFailureText(f) : c.status === 'server-failed' ? 'the server did not start' : c.status, f?.outages !== undefined && f.outages.state !== 'none' ? outageText(f.outages) : '-', f !== undefined && (f.causes?.length ?? 0) > 0 ? causesText(f) : '-', f?.soak?.rss ? rssSlopeText(f.soak.rss) : '-']);
  }
  return {
    title: 'Request failure percent and requests/sec',
    rows: m.servers,
    cols: m.tests,
    cells: m.cells.map((c) => {
      const run = runIdOf(c);
      return { row: c.server, col: c.test, text: cellText(cellOf(m as Matrix, c.server, c.test)), tone: cellTone(c), ...(run !== undefined ? { run } : {}) };
    }),
    tables: rows.length > 0 ? [{ id: 'matrix-figures', title: 'Durability figures per cell', head: ['server', 'test', 'collateral', 'crashes', 'restarts', 'peak RSS', 'RSS growth', 'first unexpected', 'outages', 'failure causes', 'RSS slope (soak)'], rows }] : [],
  };
}

/** matrixPageDoc is a finished multitest as a page: the matrix, then each cell's run with its charts. */
export function matrixPageDoc(m: Matrix): PageDoc {
  const runs: RunView[] = [];
  const ids = new Map<MatrixCell, string>();
  m.cells.forEach((c, i) => {
    if (c.result === undefined) return;
    const id = cellRunId(i);
    ids.set(c, id);
    runs.push({ ...buildRunView(c.result, { id, sectionViews: durabilitySections }), title: `${c.server} × ${c.test}` });
  });
  const grid = matrixGrid(m, (c) => ids.get(c));
  const doc = reportDoc(`multitest: ${m.tests.length} test(s) against ${m.servers.length} server(s)${m.stopReason === 'interrupted' ? ' (stopped early)' : ''}`, runs, { grid });
  return grid.cells.some((c) => c.tone === 'fail') ? { ...doc, state: 'fail' } : doc;
}
