import { formatDuration } from '../core/duration.js';
import { formatCount } from '../core/units.js';
import type { MergedMetrics } from '../metrics/merged-metrics.js';
import type { Reporter, PlanInfo } from './reporter.js';
import type { IntervalRow } from '../metrics/run-result.js';
import { GeneratorWatch } from './generator-warning.js';
import { liveShape } from './run-shape-summary.js';

/** ProgressOptions say where progress goes and how. */
export interface ProgressOptions {
  write: (text: string) => void;
  /** tty redraws one line in place a few times a second; otherwise one plain line per interval. */
  tty: boolean;
  /** plannedMs / plannedIterations size the bar (whichever is known). */
  plannedMs?: number;
  plannedIterations?: number;
  now: () => number;
  /** label prefixes each line (the run's name in a matrix). */
  label?: string;
  /**
   * starting is shown at once, before the workers are up (they can take seconds to start on a busy
   * machine), so a run is never silent at its beginning; the first live frame replaces it on a TTY.
   */
  starting?: string;
}

const BAR = 24;

/**
 * ProgressReporter draws live progress: a bar (share of the requests or of the duration done),
 * current req/s, p99 of the last interval, failures so far and the time left, and a warning once
 * the generator was saturated in more than a fifth of the intervals (GeneratorWatch).
 */
export class ProgressReporter implements Reporter {
  private readonly o: ProgressOptions;
  private t0 = 0;
  private done = 0;
  private failed = 0;
  private rps = 0;
  /** p99 of the last interval; undefined while nothing has completed (shown as `–`, not `0µs`). */
  private p99: number | undefined;
  private shape = '';
  /** generator follows the generator's own load: the line warns once it was saturated for a meaningful part of the run. */
  private readonly generator = new GeneratorWatch();
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;

  constructor(options: ProgressOptions) {
    this.o = options;
    if (options.starting !== undefined) {
      const text = (options.label !== undefined ? `${options.label}  ` : '') + options.starting;
      this.o.write(options.tty ? '\r\x1b[K' + text : text + '\n');
      this.drawn = options.tty;
    }
  }

  onStart(_plan: PlanInfo, t0: number): void {
    this.t0 = t0;
    if (this.o.tty) {
      this.timer = setInterval(() => this.draw(), 250);
      this.timer.unref();
    }
  }

  onInterval(row: IntervalRow, totals: MergedMetrics): void {
    this.done = totals.count('iterations');
    // Failed counts what did not go as asked: failed requests, failed iterations (a script's, beyond
    // their failed requests they are counted once each: the larger of the two) and dropped arrivals.
    this.failed = Math.max(totals.count('http_req_failed'), totals.count('iterations_failed'), totals.count('iteration_errors')) + totals.count('dropped_iterations');
    const n = row.counters['http_reqs'] ?? row.counters['iterations'] ?? 0;
    this.rps = n / Math.max(row.durationMs / 1000, 1e-9);
    const trend = row.trends['http_req_duration'] ?? row.trends['iteration_duration'];
    this.p99 = trend !== undefined && trend.count > 0 ? trend.p99 : undefined;
    this.shape = liveShape(row);
    this.generator.add(row);
    if (!this.o.tty) this.o.write(this.line() + '\n');
  }

  onEnd(): void {
    this.finish();
  }

  onAbort(): void {
    this.finish();
  }

  private finish(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.o.tty && this.drawn) this.o.write('\r\x1b[K');
  }

  private draw(): void {
    this.drawn = true;
    this.o.write('\r\x1b[K' + this.line());
  }

  /** line renders the current state as one line. */
  line(): string {
    const elapsed = Math.max(0, this.o.now() - this.t0);
    let share: number | undefined;
    let left: number | undefined;
    if (this.o.plannedIterations !== undefined && this.o.plannedIterations > 0) {
      share = this.done / this.o.plannedIterations;
      if (this.done > 0) left = (elapsed / this.done) * (this.o.plannedIterations - this.done);
    } else if (this.o.plannedMs !== undefined && this.o.plannedMs > 0) {
      share = elapsed / this.o.plannedMs;
      left = this.o.plannedMs - elapsed;
    }
    share = Math.min(1, Math.max(0, share ?? 0));
    const full = Math.round(share * BAR);
    const bar = `[${'='.repeat(full)}${' '.repeat(BAR - full)}] ${(share * 100).toFixed(0).padStart(3)}%`;
    const parts = [
      this.o.label ?? '',
      bar,
      `${formatCount(this.rps)} req/s`,
      this.shape,
      `p99 ${this.p99 === undefined ? '–' : formatDuration(this.p99)}`,
      `${formatCount(this.failed)} failed`,
      left === undefined ? `${formatDuration(elapsed)} elapsed` : left > 0 ? `${formatDuration(left)} left` : 'finishing',
      this.generator.note(),
    ];
    return parts.filter((p) => p !== '').join('  ');
  }
}
