import { formatDuration } from '../core/duration.js';
import { BUSY_ELU, BUSY_SHARE, intervalBusy, intervalLate } from '../metrics/generator-load.js';
import type { IntervalRow, RunResult } from '../metrics/run-result.js';

const pct = (x: number) => `${Math.round(100 * x)} %`;

/** STARVED: a thread whose CPU was under this share of its busy time waited for a CPU the rest of it. */
const STARVED = 0.6;

/**
 * generatorWarningLines warn, in the summary, when the generator's figures are partly its own: it
 * was saturated (its event loop at least BUSY_ELU busy in more than BUSY_SHARE of the
 * worker-intervals: throughput is then its limit) or late (its timers LATE_P99_MS late at p99,
 * a delay that is in the latency percentiles): how busy and how late, what the figures then mean,
 * and what to do. Empty when neither (or the result predates the measure).
 */
export function generatorWarningLines(result: RunResult): string[] {
  const g = result.generator;
  if (g === undefined || (!g.saturated && !g.late)) return [];
  const cpu = g.cpu !== undefined ? `; CPU ${pct(g.cpu.mean)} of a core` : '';
  const late = g.lateness !== undefined ? `its timers fired ${formatDuration(g.lateness.p99)} late at p99 (max ${formatDuration(g.lateness.max)})` : '';
  const starved = g.cpu !== undefined && g.cpu.mean < STARVED * g.elu.mean;
  const workers = `this run had ${result.workers} worker${result.workers === 1 ? '' : 's'}`;
  if (g.saturated) {
    return [
      `Warning: the generator was saturated: its event loop was at least ${pct(BUSY_ELU)} busy in ${pct(g.busyShare)} of the worker-intervals (mean ${pct(g.elu.mean)}${cpu})${g.late ? `, and ${late}` : ''}.`,
      "  Throughput is then the generator's limit, not necessarily the target's, and latency includes the generator's own delay.",
      `  Spread the load: more worker threads (-w N, up to one per free core) or more machines (--agents N); ${workers}.`,
      ...(starved ? ['  Its threads were on a CPU for only part of their busy time: other processes on this machine took the rest.'] : []),
    ];
  }
  return [
    `Warning: the generator ran late: ${late}, though its event loop was only ${pct(g.elu.mean)} busy${cpu}.`,
    '  Latency includes that delay: its threads waited for a CPU (other processes on this machine?) or paused (garbage collection).',
    '  Give the generator cores of its own (or another machine: --agents N) before trusting the latency percentiles.',
  ];
}

/**
 * GeneratorWatch follows a run's intervals for the live line: once more than BUSY_SHARE of the
 * intervals so far had a saturated worker (intervalBusy), or late timers (intervalLate), `note()`
 * says so, with the last interval's figure.
 */
export class GeneratorWatch {
  private intervals = 0;
  private busy = 0;
  private late = 0;
  private lastElu = 0;
  private lastLateP99 = 0;

  /** add takes one merged interval. */
  add(row: IntervalRow): void {
    const elu = row.trends['generator_elu'];
    if (elu === undefined || elu.count === 0) return;
    this.intervals++;
    if (intervalBusy(row)) this.busy++;
    if (intervalLate(row)) this.late++;
    this.lastElu = elu.max;
    this.lastLateP99 = row.trends['generator_lateness']?.p99 ?? 0;
  }

  /** note is the live line's warning, or '' while the generator keeps up. */
  note(): string {
    if (this.intervals === 0) return '';
    if (this.busy / this.intervals > BUSY_SHARE) return `generator saturated (busy ${pct(this.lastElu)}): more -w or --agents`;
    if (this.late / this.intervals > BUSY_SHARE) return `generator late (timers p99 ${formatDuration(this.lastLateP99)})`;
    return '';
  }
}

/** generatorLine is the summary's line of the generator's own load (shown whenever it was measured). */
export function generatorLine(result: RunResult): string | undefined {
  const g = result.generator;
  if (g === undefined) return undefined;
  const parts = [`event loop busy ${pct(g.elu.mean)} (max ${pct(g.elu.max)})`];
  if (g.cpu !== undefined) parts.push(`CPU ${pct(g.cpu.mean)} of a core (max ${pct(g.cpu.max)})`);
  if (g.lateness !== undefined) parts.push(`timers late by ${formatDuration(g.lateness.p99)} at p99`);
  return `Generator load (per worker and interval): ${parts.join(', ')}`;
}
