import type { IntervalRow, RunResult } from '../metrics/run-result.js';
import { OutputFile, type OutputFailure, type OutputFileOptions } from './output-file.js';
import type { Reporter } from './reporter.js';

/**
 * TIMESERIES_HEADER names the time series columns (times in seconds from the start, latency in ms;
 * the generator's own load: its busiest worker's event-loop utilization and CPU, 0–1, and its timers'
 * lateness p99, empty where not measured).
 */
export const TIMESERIES_HEADER = 'time_s,duration_s,requests,throughput_rps,failures,dropped,latency_mean_ms,latency_p50_ms,latency_p90_ms,latency_p99_ms,latency_max_ms,generator_elu_max,generator_cpu_max,generator_lateness_p99_ms';

/** formatTimeseriesRow renders one interval as a CSV line (a pure function). */
export function formatTimeseriesRow(row: IntervalRow): string {
  const n = row.counters['http_reqs'] ?? row.counters['iterations'] ?? 0;
  const t = row.trends['http_req_duration'] ?? row.trends['iteration_duration'];
  const f = (v: number | undefined) => (v === undefined ? '' : v.toFixed(3));
  const secs = row.durationMs / 1000;
  return [
    ((row.startMs + row.durationMs) / 1000).toFixed(3),
    secs.toFixed(3),
    n,
    (n / Math.max(secs, 1e-9)).toFixed(2),
    row.counters['http_req_failed'] ?? 0,
    row.counters['dropped_iterations'] ?? 0,
    f(t?.mean),
    f(t?.p50),
    f(t?.p90),
    f(t?.p99),
    f(t?.max),
    f(row.trends['generator_elu']?.max),
    f(row.trends['generator_cpu']?.max),
    f(row.trends['generator_lateness']?.p99),
  ].join(',');
}

/** renderTimeseriesCsv renders a whole result's series (for `gauntlet report`). */
export function renderTimeseriesCsv(result: RunResult): string {
  return [TIMESERIES_HEADER, ...result.intervals.map(formatTimeseriesRow)].join('\n') + '\n';
}

/**
 * TimeseriesReporter appends one row per interval as the run goes (`--timeseries`); a write that fails
 * ends the file at its last whole row and is reported to `options.onFailure` once, never thrown.
 */
export class TimeseriesReporter implements Reporter {
  private readonly file: OutputFile;
  constructor(path: string, options: OutputFileOptions = {}) {
    this.file = new OutputFile(path, '--timeseries', options);
    this.file.write(TIMESERIES_HEADER + '\n');
  }
  /** failure is why the file stopped being written, if it did. */
  get failure(): OutputFailure | undefined {
    return this.file.failure;
  }
  onInterval(row: IntervalRow): void {
    this.file.write(formatTimeseriesRow(row) + '\n');
  }
  onEnd(): void {
    this.file.close();
  }
  onAbort(): void {
    this.file.close();
  }
}
