import { readFileSync } from 'node:fs';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { Clock } from '../core/clock.js';
import { VALUE_SCALE, type MetricsRegistry, type Trend } from '../metrics/registry.js';

/** PROBE_MS is the period of the lateness probe: a timer that records how late it fires. */
export const PROBE_MS = 10;
/**
 * MIN_SAMPLE_MS: a span shorter than this (or than half an interval, if that is less) says too
 * little of a load to be sampled: a last partial interval, or a whole run of a few requests whose
 * utilization would be its start-up (compiling, connecting).
 */
const MIN_SAMPLE_MS = 200;

/**
 * threadCpuReader returns a function reading this thread's CPU time in ms, or undefined where no
 * truthful per-thread figure exists. Worker threads share a process, so process.cpuUsage() would
 * count every worker: Node ≥ 23.9 has process.threadCpuUsage(); on Linux the calling thread's
 * /proc/thread-self/schedstat (its time on a CPU, in ns) says the same on older Nodes (read
 * synchronously, so on this thread, not the libuv pool's).
 */
export function threadCpuReader(): (() => number) | undefined {
  const p = process as NodeJS.Process & { threadCpuUsage?: () => { user: number; system: number } };
  if (typeof p.threadCpuUsage === 'function') {
    const f = p.threadCpuUsage.bind(process);
    return () => {
      const u = f();
      return (u.user + u.system) / 1000;
    };
  }
  const read = () => Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]) / 1e6;
  try {
    return Number.isFinite(read()) ? read : undefined;
  } catch {
    return undefined;
  }
}

/**
 * GeneratorMonitor measures one worker thread's own load while it runs load, so a run can say when
 * its figures belong to the generator: per interval (`sample()`, called before each snapshot) the
 * event loop's utilization into `generator_elu` and the thread's CPU per wall time into
 * `generator_cpu` (shares, VALUE_SCALE), and all along, from a probe timer every PROBE_MS, how late
 * the timer fired into `generator_lateness` (ms). Its cost: one timer callback per PROBE_MS and one
 * file read per interval.
 */
export class GeneratorMonitor {
  private readonly clock: Clock;
  private readonly elu: Trend;
  private readonly cpu: Trend;
  private readonly lateness: Trend;
  private readonly cpuMs: (() => number) | undefined;
  private readonly minSpanMs: number;
  private lastElu: EventLoopUtilization | undefined;
  private lastCpu = 0;
  private lastAt = 0;
  private due = 0;
  private cancelProbe: (() => void) | undefined;

  constructor(metrics: MetricsRegistry, clock: Clock, intervalMs: number) {
    this.clock = clock;
    this.minSpanMs = Math.min(MIN_SAMPLE_MS, intervalMs / 2);
    this.elu = metrics.trend('generator_elu', VALUE_SCALE);
    this.cpu = metrics.trend('generator_cpu', VALUE_SCALE);
    this.lateness = metrics.trend('generator_lateness');
    this.cpuMs = threadCpuReader();
  }

  /** start takes the baselines (at the run's start) and starts the probe. */
  start(): void {
    this.lastAt = this.clock.now();
    this.lastElu = performance.eventLoopUtilization();
    this.lastCpu = this.cpuMs?.() ?? 0;
    this.arm();
  }

  /** sample records the span since the last sample (or the start): utilization and CPU; a span too short to tell is left to the next. */
  sample(): void {
    if (this.lastElu === undefined) return;
    const now = this.clock.now();
    const span = now - this.lastAt;
    if (span < this.minSpanMs) return;
    const elu = performance.eventLoopUtilization();
    this.elu.record(performance.eventLoopUtilization(elu, this.lastElu).utilization);
    this.lastElu = elu;
    if (this.cpuMs !== undefined) {
      const cpu = this.cpuMs();
      this.cpu.record(Math.min(1, (cpu - this.lastCpu) / span));
      this.lastCpu = cpu;
    }
    this.lastAt = now;
  }

  /** stop ends the probe (sample first for the last span). */
  stop(): void {
    this.cancelProbe?.();
    this.cancelProbe = undefined;
  }

  private arm(): void {
    this.due = this.clock.now() + PROBE_MS;
    this.cancelProbe = this.clock.setTimer(this.probe, PROBE_MS, true);
  }

  private readonly probe = (): void => {
    this.lateness.record(this.clock.now() - this.due);
    this.arm();
  };
}
