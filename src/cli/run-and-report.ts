import { performance } from 'node:perf_hooks';
import { ExitCode } from '../core/errors.js';
import type { Plan } from '../load/plan.js';
import { planDurationMs, plannedIterations } from '../load/plan.js';
import { startRun, type RunHandle, type StartRunOptions } from '../api/start-run.js';
import { HtmlReporter } from '../report/html-report.js';
import { JsonReporter } from '../report/json-result.js';
import { outputFailureHint, type OutputFailure } from '../report/output-file.js';
import { metricOutputs } from '../report/outputs/metric-outputs.js';
import { ProgressReporter } from '../report/progress.js';
import { RawCsvReporter } from '../report/raw-csv.js';
import type { Reporter } from '../report/reporter.js';
import type { RunResult } from '../metrics/run-result.js';
import { TimeseriesReporter } from '../report/timeseries-csv.js';
import { err, onStop, outData, sendTextToStderr } from './io.js';
import { sectionViewsOf } from './page-sections.js';

/** OutputFlags are the output flags every running command shares. */
export interface OutputFlags {
  json?: string;
  csv?: string;
  timeseries?: string;
  html?: string;
  /** out: the `--out` specs (json=FILE, prometheus=URL, otlp=URL), repeatable. */
  out?: string[];
  quiet?: boolean;
}

/**
 * Outputs are a run's output files: their reporters, and the outputs that failed so far (each was
 * printed once on stderr as it failed: `error:` and `hint:`). A failed output never stops the run.
 */
export interface Outputs {
  readonly reporters: Reporter[];
  readonly failures: readonly OutputFailure[];
}

/**
 * openOutputs opens the output files now (a bad path is a usage error before the run; the files
 * opened before it are closed again). A file that fails during the run is reported on stderr once,
 * ends at its last whole row (CSV) or is not written at all (JSON, HTML), and lands in `failures`.
 */
export async function openOutputs(o: OutputFlags): Promise<Outputs> {
  const failures: OutputFailure[] = [];
  const onFailure = (f: OutputFailure): void => {
    failures.push(f);
    printOutputFailure(f);
  };
  const reporters: Reporter[] = [];
  try {
    if (o.csv) reporters.push(new RawCsvReporter(o.csv, { onFailure }));
    if (o.timeseries) reporters.push(new TimeseriesReporter(o.timeseries, { onFailure }));
    if (o.json === STDOUT) reporters.push(stdoutJson());
    else if (o.json) reporters.push(new JsonReporter(o.json, { onFailure }));
    if (o.html) reporters.push(new HtmlReporter(o.html, { onFailure }, { sectionViews: sectionViewsOf }));
    if (o.out !== undefined && o.out.length > 0) reporters.push(...(await metricOutputs(o.out, { onFailure, warn: err })));
  } catch (e) {
    for (const r of reporters) void r.onAbort?.(e);
    throw e;
  }
  return { reporters, failures };
}

/** STDOUT is the file name that means standard output (`--json -`). */
export const STDOUT = '-';

/**
 * stdoutJson is `--json -`: the whole result as JSON on stdout at the end, and the text summary sent
 * to stderr (from now on) so that stdout is JSON alone.
 */
export function stdoutJson(): Reporter {
  sendTextToStderr();
  return { onEnd: (result: RunResult) => outData(JSON.stringify(result, null, 1) + '\n') } satisfies Reporter;
}

/** printOutputFailure prints a failed output as one `error:` line and one `hint:` line on stderr. */
export function printOutputFailure(f: OutputFailure): void {
  err(`error: ${f.flag}: cannot write ${f.path}: ${f.reason} (${f.code})\n`);
  err(`hint: ${outputFailureHint(f)}\n`);
}

/** renderOutputFailures is the summary's account of the outputs that failed (empty when none did). */
export function renderOutputFailures(failures: readonly OutputFailure[]): string {
  return failures
    .map((f) => `Output failed: ${f.flag} ${f.path}: ${f.reason} (${f.code}); ${f.left === 'rows' ? 'it holds the whole rows written before' : 'it was not written'}.\n`)
    .join('');
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
      starting: `starting ${plan.workers} worker thread${plan.workers === 1 ? '' : 's'}…`,
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

/** runWithSignals starts a plan on this machine (reporters, thresholds: `options`) and waits for it with Ctrl-C handling. */
export function runWithSignals(plan: Plan, options: StartRunOptions, quiet = false): Promise<RunResult> {
  return awaitWithSignals(startRun(plan, options), quiet);
}

/**
 * exitCodeOf maps a finished run (and the outputs that failed) to the process exit code. A failed
 * output is exit 1, below the codes that say how the run itself ended: 130 (stopped by the user) and
 * 99 (thresholds failed) win, because scripts branch on them and the failed output is already on
 * stderr and in the summary.
 */
export function exitCodeOf(result: RunResult, failedOutputs: readonly OutputFailure[] = []): number {
  if (result.stopReason === 'interrupted' || result.stopReason === 'aborted') return ExitCode.interrupted;
  if (result.stopReason === 'failed') return ExitCode.runtime;
  if (result.stopReason === 'threshold') return ExitCode.thresholds;
  if (result.thresholds?.some((t) => !t.ok)) return ExitCode.thresholds;
  if (failedOutputs.length > 0) return ExitCode.runtime;
  return ExitCode.ok;
}
