import { Command } from 'commander';
import { resolveMultiTest, startMultiTest } from '../../api/durability.js';
import { usageError } from '../../core/errors.js';
import { cellText, renderMatrix, renderMatrixCsv } from '../../scenarios/durability/matrix.js';
import { WholeOutputFile } from '../../report/whole-output-file.js';
import { err, out, outData, sendTextToStderr, strictCommand } from '../io.js';
import { printOutputFailure, progressReporter, renderOutputFailures, STDOUT } from '../run-and-report.js';
import { addDurabilityFlags, addPlacementFlags, DURABILITY_LOAD_DEFAULTS, durabilityOptionsOf, onStopSignals, placementOf, printTests, repeatable, type DurabilityFlagValues, type PlacementFlagValues } from './durability-common.js';
import { addLoadFlags, addThresholdFlags, thresholdsOf, type LoadFlagValues, type ThresholdFlagValues } from './load-flags.js';
import { thresholdsFailed } from '../../report/verdict.js';
import { renderMatrixAgents } from './report.js';
import { cellRunId, matrixGrid, matrixPageDoc } from '../../scenarios/durability/matrix-page.js';
import { renderPage } from '../../report/dashboard-page.js';
import type { MatrixCell } from '../../scenarios/durability/matrix.js';
import { addDashboardFlag, openDashboard, type DashboardFlagValues } from '../dashboard.js';

interface MultiTestFlags extends LoadFlagValues, DurabilityFlagValues, ThresholdFlagValues, PlacementFlagValues, DashboardFlagValues {
  server: string[];
  test: string[];
  cellTimeLimit?: string;
}

/**
 * multitestCommand is `gauntlet multitest`: every test against every server, a fresh server per cell
 * (Labour's multitest), then the matrix of failure percent and requests/sec and the durability figures
 * per cell. `--json` and `--csv` write the matrix; Ctrl-C stops the current cell, prints what was
 * collected, stops the server and exits 130.
 */
export function multitestCommand(setExit: (code: number) => void): Command {
  const cmd = strictCommand(new Command('multitest'))
    .description('run several tests against several servers, a fresh server per cell, and print the matrix (Labour\'s multitest)')
    .option('-s, --server <spec>', 'a server and its options (repeatable; default: every server available here)', repeatable, [])
    .option('-t, --test <name>', "a ready-made test (repeatable; default: plain, light-sleep, heavy-sleep, segfault; 'list' shows them)", repeatable, [])
    .option('--cell-time-limit <time>', 'end a cell after this long even if not all its requests were sent, 0 for none (default: 60s; -d replaces it)');
  addDurabilityFlags(cmd);
  addLoadFlags(cmd, { ...DURABILITY_LOAD_DEFAULTS, oneRunOutputs: false });
  cmd.option('--html <file>', "write the matrix and every cell's charts as one self-contained HTML page");
  addThresholdFlags(cmd);
  addPlacementFlags(cmd);
  addDashboardFlag(cmd);
  cmd.action(async (f: MultiTestFlags) => {
    if (f.test.includes('list')) {
      printTests();
      return setExit(0);
    }
    const thresholds = thresholdsOf(f);
    const placement = placementOf(f); // multitest's --csv is the matrix, one row per cell
    const m = await resolveMultiTest({
      ...durabilityOptionsOf(f),
      servers: f.server,
      tests: f.test,
      ...(f.cellTimeLimit !== undefined ? { cellTimeLimit: f.cellTimeLimit } : {}),
    });
    if (m.cells.length === 0) throw usageError('no server is available here to test', 'gauntlet servers shows how to install them');
    const jsonToStdout = f.json === STDOUT;
    if (jsonToStdout) sendTextToStderr();
    const json = f.json !== undefined && !jsonToStdout ? new WholeOutputFile(f.json, '--json', { onFailure: printOutputFailure }) : undefined;
    let csv: WholeOutputFile | undefined;
    let html: WholeOutputFile | undefined;
    try {
      csv = f.csv !== undefined ? new WholeOutputFile(f.csv, '--csv', { onFailure: printOutputFailure }) : undefined;
      html = f.html !== undefined ? new WholeOutputFile(f.html, '--html', { onFailure: printOutputFailure }) : undefined;
    } catch (e) {
      json?.discard();
      csv?.discard();
      throw e;
    }
    const dashboard = await openDashboard(f, `multitest: ${m.tests.length} test(s) against ${m.servers.length} server(s)`).catch((e: unknown) => {
      for (const file of [json, csv, html]) file?.discard();
      throw e;
    });
    const done: MatrixCell[] = [];
    const runIds = new Map<MatrixCell, string>();
    let cellIndex = 0;
    const showGrid = () => dashboard?.setGrid(matrixGrid({ servers: m.servers.map((s) => s.text), tests: m.tests.map((t) => t.name), cells: done }, (c) => runIds.get(c)));
    showGrid();
    const onAgents = placement.agents !== undefined ? `; requests from ${placement.agents.agents} agents` : '';
    if (!f.quiet) err(`${m.tests.length} test(s) against ${m.servers.length} server(s): ${m.cells.length} cell(s), a fresh server for each${onAgents}.\n`);
    const handle = startMultiTest(m, {
      reporters: (plan) => [...progressReporter(plan, f.quiet, `${plan.label}:`), ...(dashboard ? [dashboard.reporter(thresholds, cellRunId(cellIndex))] : [])],
      thresholds,
      ...placement,
      onCellStart: (i, n, cell) => {
        cellIndex = i;
        if (!f.quiet) err(`[${i + 1}/${n}] ${cell.server.text} undergoing test '${cell.test.name}'\n`);
      },
      onCellEnd: (i, n, cell) => {
        done.push(cell);
        if (cell.result !== undefined) runIds.set(cell, cellRunId(i));
        showGrid();
        if (!f.quiet) err(`[${i + 1}/${n}] ${cell.server} × ${cell.test}: ${cellText(cell)}${cell.error !== undefined ? ` (${cell.error.split('\n')[0]})` : ''}\n`);
      },
    });
    const graceMs = m.cells[0]!.planFor('http://127.0.0.1:1').graceMs;
    const off = onStopSignals(handle, graceMs, f.quiet);
    const matrix = await handle.done.finally(off).catch((e: unknown) => {
      json?.discard();
      csv?.discard();
      html?.discard();
      throw e;
    });
    out('\n' + renderMatrix(matrix) + renderMatrixAgents(matrix));
    json?.writeWhole(JSON.stringify(matrix, null, 1) + '\n');
    if (jsonToStdout) outData(JSON.stringify(matrix, null, 1) + '\n');
    csv?.writeWhole(renderMatrixCsv(matrix));
    html?.writeWhole(renderPage(matrixPageDoc(matrix)));
    const failed = [json?.failure, csv?.failure, html?.failure].filter((x) => x !== undefined);
    out(renderOutputFailures(failed));
    await dashboard?.finish();
    if (matrix.stopReason === 'interrupted') return setExit(130);
    if (matrix.cells.some((c) => c.result !== undefined && thresholdsFailed(c.result))) return setExit(99);
    const broken = matrix.cells.some((c) => c.status === 'server-failed' || c.status === 'failed');
    setExit(broken || failed.length > 0 ? 1 : 0);
  });
  return cmd;
}
