import type { Reporter } from '../report/reporter.js';
import type { ProcessSample, RunningServer } from './servers/server-adapter.js';

/** ServerPoint is one look at the server during a run, for the series in the JSON. */
export interface ServerPoint {
  /** tMs from the run's start. */
  readonly tMs: number;
  readonly rssBytes: number;
  readonly processes: number;
  readonly restarts: number;
  readonly cpuSeconds: number;
}

/**
 * ServerStats are what the server's process tree did during a run, from samples taken every
 * interval: RSS at the start, at the last sample with a live process and at its peak (growth is
 * end − start: a leak shows as growth), CPU seconds used, processes at the start and the end, and
 * worker restarts (new processes in the tree) during the run.
 */
export interface ServerStats {
  readonly name: string;
  readonly samples: number;
  readonly rssStartBytes: number;
  readonly rssEndBytes: number;
  readonly peakRssBytes: number;
  readonly rssGrowthBytes: number;
  readonly cpuSeconds: number;
  readonly processesStart: number;
  readonly processesEnd: number;
  readonly restarts: number;
  /** aliveAtEnd is false when no process of the server was left at the end (a crash took it down). */
  readonly aliveAtEnd: boolean;
  readonly series: readonly ServerPoint[];
}

/**
 * ServerWatch is a Reporter that samples the server's process tree (RSS, CPU, processes, restarts)
 * from the run's start every `everyMs`; `finish()` takes a last sample and returns the stats, which
 * the run's `finalize` puts into the result before any reporter sees it. Sampling reads /proc
 * asynchronously in the main thread, off the workers' path.
 */
export class ServerWatch implements Reporter {
  private readonly server: RunningServer;
  private readonly everyMs: number;
  private readonly points: ServerPoint[] = [];
  private first: ProcessSample | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private startMs = 0;

  constructor(server: RunningServer, everyMs: number) {
    this.server = server;
    this.everyMs = Math.max(100, everyMs);
  }

  onStart(): void {
    this.startMs = Date.now();
    this.take();
    this.timer = setInterval(() => this.take(), this.everyMs);
    this.timer.unref();
  }

  onAbort(): void {
    clearInterval(this.timer);
  }

  /** finish stops sampling, takes a last sample and returns the stats (undefined if the run never started). */
  async finish(): Promise<ServerStats | undefined> {
    clearInterval(this.timer);
    if (this.startMs === 0) return undefined;
    await this.inFlight;
    this.take();
    await this.inFlight;
    return this.first === undefined ? undefined : this.stats(this.first);
  }

  /** take reads one sample unless one is still being read. */
  private take(): void {
    if (this.inFlight !== undefined) return;
    this.inFlight = this.server
      .sample()
      .then((s) => {
        this.first ??= s;
        this.points.push({ tMs: s.atMs - this.startMs, rssBytes: s.rssBytes, processes: s.processes, restarts: s.restarts, cpuSeconds: s.cpuSeconds });
      })
      .catch(() => undefined)
      .finally(() => {
        this.inFlight = undefined;
      });
  }

  private stats(first: ProcessSample): ServerStats {
    const points = this.points;
    const last = points[points.length - 1]!;
    const lastAlive = [...points].reverse().find((p) => p.processes > 0) ?? last;
    const peak = points.reduce((m, p) => Math.max(m, p.rssBytes), 0);
    const cpu = points.reduce((m, p) => Math.max(m, p.cpuSeconds), 0);
    return {
      name: this.server.name,
      samples: points.length,
      rssStartBytes: first.rssBytes,
      rssEndBytes: lastAlive.rssBytes,
      peakRssBytes: peak,
      rssGrowthBytes: lastAlive.rssBytes - first.rssBytes,
      cpuSeconds: Math.max(0, cpu - first.cpuSeconds),
      processesStart: first.processes,
      processesEnd: last.processes,
      restarts: Math.max(0, last.restarts - first.restarts),
      aliveAtEnd: last.processes > 0,
      series: points,
    };
  }
}
