import { performance } from 'node:perf_hooks';
import { ExitCode } from '../core/errors.js';
import type { Plan } from '../load/plan.js';
import { planDurationMs, plannedIterations } from '../load/plan.js';
import { startRun, type RunHandle } from '../api/start-run.js';
import { HtmlReporter } from '../report/html-report.js';
import { JsonReporter } from '../report/json-result.js';
import { ProgressReporter } from '../report/progress.js';
import { RawCsvReporter } from '../report/raw-csv.js';
import type { Reporter } from '../report/reporter.js';
import type { RunResult } from '../metrics/run-result.js';
import { renderTextSummary } from '../report/text-summary.js';
import { TimeseriesReporter } from '../report/timeseries-csv.js';
import { err, onStop, out } from './io.js';

/** OutputFlags are the output flags every running command shares. */
export interface OutputFlags {
  json?: string;
  csv?: string;
  timeseries?: string;
  html?: string;
  quiet?: boolean;
}

/** fileReporters opens the output files now (a bad path fails before the run). */
export function fileReporters(o: OutputFlags): Reporter[] {
  const r: Reporter[] = [];
  if (o.csv) r.push(new RawCsvReporter(o.csv));
  if (o.timeseries) r.push(new TimeseriesReporter(o.timeseries));
  if (o.json) r.push(new JsonReporter(o.json));
  if (o.html) r.push(new HtmlReporter(o.html));
  return r;
}

/** progressReporter draws live progress on stderr unless quiet. */
export function progressReporter(plan: Plan, quiet: boolean | undefined, label?: string): Reporter[] {
  if (quiet) return [];
  const d = planDurationMs(plan);
  const n = plannedIterations(plan);
  return [
    new ProgressReporter({
      write: err,
      tty: process.stderr.isTTY === true,
      now: () => performance.now(),
      ...(d !== undefined ? { plannedMs: d } : {}),
      ...(n !== undefined ? { plannedIterations: n } : {}),
      ...(label !== undefined ? { label } : {}),
    }),
  ];
}

/**
 * awaitWithSignals waits for a run with Ctrl-C handling: the first SIGINT/SIGTERM/SIGHUP stops new
 * iterations and lets in-flight ones finish up to the grace period; a second one aborts them.
 * Either way the run's result comes back complete and the files are closed whole.
 */
export async function awaitWithSignals(handle: RunHandle, quiet = false): Promise<RunResult> {
  let signals = 0;
  const onSignal = () => {
    signals++;
    if (signals === 1) {
      if (!quiet) err(`\nstopping: letting in-flight requests finish (up to ${handle.plan.graceMs / 1000}s); press Ctrl-C again to abort them\n`);
      handle.stop();
    } else handle.abort();
  };
  const off = onStop(onSignal);
  try {
    return await handle.done;
  } finally {
    off();
  }
}

/** runWithSignals starts a plan with the given reporters and waits for it with Ctrl-C handling. */
export function runWithSignals(plan: Plan, reporters: Reporter[], quiet = false): Promise<RunResult> {
  return awaitWithSignals(startRun(plan, { reporters }), quiet);
}

/** exitCodeOf maps a finished run to the process exit code. */
export function exitCodeOf(result: RunResult): number {
  if (result.stopReason === 'interrupted' || result.stopReason === 'aborted') return ExitCode.interrupted;
  if (result.stopReason === 'failed') return ExitCode.runtime;
  if (result.stopReason === 'threshold') return ExitCode.thresholds;
  if (result.thresholds?.some((t) => !t.ok)) return ExitCode.thresholds;
  return ExitCode.ok;
}

/** runAndReport runs a plan with progress and output files, prints the summary, returns the exit code. */
export async function runAndReport(plan: Plan, flags: OutputFlags): Promise<number> {
  const reporters = [...fileReporters(flags), ...progressReporter(plan, flags.quiet)];
  const result = await runWithSignals(plan, reporters, flags.quiet);
  out(renderTextSummary(result));
  return exitCodeOf(result);
}
