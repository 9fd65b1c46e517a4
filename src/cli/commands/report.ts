import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { GauntletError, usageError } from '../../core/errors.js';
import type { RunResult } from '../../metrics/run-result.js';
import { parseRunResult } from '../../report/json-result.js';
import { renderTextSummary } from '../../report/text-summary.js';
import { renderScriptSummary } from '../../scenarios/script/script-summary.js';
import { durabilityOf } from '../../scenarios/durability/durability-figures.js';
import { renderDurability } from '../../scenarios/durability/render-durability.js';
import { MATRIX_FORMAT, renderMatrix, type Matrix } from '../../scenarios/durability/matrix.js';
import { renderTimeseriesCsv } from '../../report/timeseries-csv.js';
import { renderHtmlReport } from '../../report/html-report.js';
import { renderPage } from '../../report/dashboard-page.js';
import { buildRunView } from '../../report/dashboard-view.js';
import { DashboardServer } from '../../report/dashboard-server.js';
import type { GridView, PageDoc } from '../../report/page-model.js';
import { matrixPageDoc } from '../../scenarios/durability/matrix-page.js';
import { checkedAddress, DEFAULT_DASHBOARD, parseDashboardAddress } from '../dashboard.js';
import { untilSignal } from './durability-common.js';
import { sectionViewsOf } from '../page-sections.js';
import { WholeOutputFile } from '../../report/whole-output-file.js';
import { err, out, strictCommand } from '../io.js';
import { printOutputFailure, renderOutputFailures } from '../run-and-report.js';
import { renderAgents } from '../../distributed/agents-summary.js';

/** render renders a parsed result in one format: the same sections the command that wrote it printed. */
function render(result: RunResult, format: string): string {
  if (format === 'timeseries') return renderTimeseriesCsv(result);
  if (format === 'html') return renderHtmlReport(result, { sectionViews: sectionViewsOf });
  const sections: string[] = [renderAgents(result)];
  if (Object.keys(result.metrics.counters).some((k) => k.startsWith('iterations{test:'))) sections.push(renderScriptSummary(result));
  const figures = durabilityOf(result);
  if (figures !== undefined) sections.push(renderDurability(figures));
  return renderTextSummary(result, sections);
}

/**
 * renderMatrixAgents lists, per cell of a multitest run with --agents, the agents that sent its
 * requests (each cell's `sections.agents`); '' when no cell ran on agents.
 */
export function renderMatrixAgents(matrix: Matrix): string {
  const blocks = matrix.cells.flatMap((c) => {
    const agents = c.result !== undefined ? renderAgents(c.result) : '';
    return agents === '' ? [] : [`${c.server} × ${c.test}:\n${agents.replace(/^Agents:\n/, '')}`];
  });
  return blocks.length === 0 ? '' : `\nAgents per cell:\n${blocks.join('')}`;
}

/**
 * parseMatrix reads a `multitest --json` file back when it is one (undefined when the file is
 * something else): the fields the matrix renderer reads are checked, so damage is one usage error.
 */
function parseMatrix(text: string, file: string): Matrix | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined; // parseRunResult says why it is not JSON
  }
  if (typeof data !== 'object' || data === null || (data as { format?: unknown }).format !== MATRIX_FORMAT) return undefined;
  const m = data as Partial<Matrix>;
  const strings = (x: unknown): boolean => Array.isArray(x) && x.every((s) => typeof s === 'string');
  const cellsOk = Array.isArray(m.cells) && m.cells.every((c) => typeof c === 'object' && c !== null && typeof c.server === 'string' && typeof c.test === 'string' && typeof c.status === 'string');
  if (!strings(m.servers) || !strings(m.tests) || !cellsOk || (m.stopReason !== 'completed' && m.stopReason !== 'interrupted')) {
    throw usageError(`${file} is a multitest matrix, but damaged (servers, tests, cells or stopReason)`, 'give a file written by multitest --json, unmodified, or write it again');
  }
  return m as Matrix;
}

/** guarded turns a renderer's TypeError on a damaged section into one usage error naming the file. */
function guarded<T>(file: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    // The shape check covers what every renderer reads; a front door's section (a durability
    // run's figures) is read only by its own renderer: damage there is still the file's fault.
    if (e instanceof GauntletError) throw e;
    throw usageError(`${file} could not be rendered: ${(e as Error).message} (a section of it is damaged)`, 'give a file written by --json, unmodified, or write it again');
  }
}

/**
 * reportCommand is `gauntlet report FILE.json`: re-render a saved result without re-running, or a
 * `multitest --json` matrix (its table and figures). `--html FILE` writes the HTML report of a run
 * to FILE as well as printing the summary.
 */
export function reportCommand(setExit: (code: number) => void): Command {
  return strictCommand(new Command('report'))
    .description('re-render a result saved with --json (summary, time series or HTML), or a multitest --json matrix')
    .argument('<file>', 'a result written by --json (bench, run, singletest, basic, or multitest)')
    .option('--format <format>', 'summary, timeseries or html (printed on stdout)', 'summary')
    .option('--html <file>', 'also write the HTML report to this file')
    .option('--dashboard [host:port]', `serve the result as the live dashboard does, until Ctrl-C (default address: ${DEFAULT_DASHBOARD.host}:${DEFAULT_DASHBOARD.port})`, checkedAddress)
    .action(async (file: string, f: { format: string; html?: string; dashboard?: string | boolean }) => {
      // Flags first: a wrong --format is the same mistake whatever the file holds.
      if (!['summary', 'timeseries', 'html'].includes(f.format)) throw usageError(`--format '${f.format}' is not summary, timeseries or html`, 'use --format summary, timeseries or html');
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw usageError(`cannot read '${file}' (${(e as NodeJS.ErrnoException).code ?? 'error'})`, 'give the path of a file written by --json');
      }
      const matrix = parseMatrix(text, file);
      const address = f.dashboard !== undefined && f.dashboard !== false ? parseDashboardAddress(f.dashboard) : undefined;
      if (matrix !== undefined) {
        if (f.format === 'timeseries') throw usageError(`${file} is a multitest matrix: it has no single time series`, 'use --format summary or html, or --html FILE');
        const html = f.html !== undefined ? new WholeOutputFile(f.html, '--html', { onFailure: printOutputFailure }) : undefined;
        let doc: PageDoc;
        let text: string;
        try {
          doc = guarded(file, () => matrixPageDoc(matrix));
          text = f.format === 'html' ? renderPage(doc) : guarded(file, () => renderMatrix(matrix) + renderMatrixAgents(matrix));
        } catch (e) {
          html?.discard();
          throw e;
        }
        out(text);
        html?.writeWhole(renderPage(doc));
        const failed = html?.failure !== undefined ? [html.failure] : [];
        out(renderOutputFailures(failed));
        if (address !== undefined) await serveFinished(address, doc.title, doc.runs, doc.grid);
        return setExit(failed.length > 0 ? 1 : 0);
      }
      const result = parseRunResult(text, file);
      const html = f.html !== undefined ? new WholeOutputFile(f.html, '--html', { onFailure: printOutputFailure }) : undefined;
      let rendered: string;
      let page: string | undefined;
      try {
        rendered = guarded(file, () => render(result, f.format));
        page = html !== undefined ? guarded(file, () => renderHtmlReport(result)) : undefined;
      } catch (e) {
        html?.discard();
        throw e;
      }
      out(rendered);
      if (html !== undefined && page !== undefined) html.writeWhole(page);
      const failed = html?.failure !== undefined ? [html.failure] : [];
      out(renderOutputFailures(failed));
      if (address !== undefined) await serveFinished(address, result.label, [guarded(file, () => buildRunView(result, { sectionViews: sectionViewsOf }))]);
      setExit(failed.length > 0 ? 1 : 0);
    });
}

/** serveFinished serves finished runs on the dashboard until Ctrl-C (SIGINT, SIGTERM or SIGHUP). */
async function serveFinished(address: { host: string; port: number }, title: string, runs: PageDoc['runs'], grid?: GridView): Promise<void> {
  const server = await DashboardServer.start({ ...address, title, keep: true });
  server.showFinished(runs, grid);
  err(`Dashboard: ${server.url} (the saved run; press Ctrl-C to end)\n`);
  await untilSignal();
  await server.close();
}
