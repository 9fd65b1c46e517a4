import type { RunResult } from '../metrics/run-result.js';
import { renderPage } from './dashboard-page.js';
import { buildRunView, type RunViewOptions } from './dashboard-view.js';
import type { OutputFailure, OutputFileOptions } from './output-file.js';
import type { PageDoc, RunView } from './page-model.js';
import type { Reporter } from './reporter.js';
import { WholeOutputFile } from './whole-output-file.js';

/** HtmlReportOptions: how the result's sections show (default: generically). */
export type HtmlReportOptions = Pick<RunViewOptions, 'sectionViews'>;

/** reportDoc is the frozen page document of finished runs (no token: nothing to stop). */
export function reportDoc(title: string, runs: readonly RunView[], extra: Pick<PageDoc, 'grid'> = {}): PageDoc {
  const states = runs.map((r) => r.state);
  return {
    format: 'gauntlet.page',
    title,
    state: states.includes('fail') ? 'fail' : states.includes('warn') ? 'warn' : 'ok',
    ...extra,
    runs,
  };
}

/**
 * renderHtmlReport renders a run as one self-contained HTML page, a pure function of the result: the
 * live dashboard's page, frozen, with the data inside (see renderPage): it opens from a file with no
 * network, zooms on a time range and prints. Every string from the result is shown as text, never
 * parsed as HTML.
 */
export function renderHtmlReport(result: RunResult, options: HtmlReportOptions = {}): string {
  return renderPage(reportDoc(result.label, [buildRunView(result, options)]));
}

/**
 * HtmlReporter writes the HTML report (`--html`) at the end, whole or not at all (see
 * WholeOutputFile); the file is opened at the start. A write that fails is reported to
 * `options.onFailure` and kept in `failure`, never thrown.
 */
export class HtmlReporter implements Reporter {
  private readonly file: WholeOutputFile;
  private readonly report: HtmlReportOptions;
  constructor(path: string, options: OutputFileOptions = {}, report: HtmlReportOptions = {}) {
    this.file = new WholeOutputFile(path, '--html', options);
    this.report = report;
  }
  /** failure is why the file was not written, if it was not. */
  get failure(): OutputFailure | undefined {
    return this.file.failure;
  }
  onEnd(result: RunResult): void {
    this.file.writeWhole(renderHtmlReport(result, this.report));
  }
  onAbort(): void {
    this.file.discard();
  }
}
