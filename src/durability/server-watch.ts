import { linearFit, type LinearFit } from '../metrics/linear-fit.js';
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
  /** fds and threads are summed over the tree (absent in results from before they were read). */
  readonly fds?: number;
  readonly threads?: number;
}

/** CountRange is a count's first, last and highest value over a run's samples. */
export interface CountRange {
  readonly start: number;
  readonly end: number;
  readonly peak: number;
}

/**
 * ServerStats are what the server's process tree did during a run, from samples taken every 200 ms:
 * RSS at the start, at the last sample with a live process and at its peak (growth is end − start),
 * the RSS fit over every live sample (its slope is what a soak reads: a leak, not one sample's
 * luck), CPU seconds used, processes at the start and the end, open fds and threads, and worker
 * restarts (new processes seen in the tree; a worker that lived less than a sampling period can be missed).
 * `series` keeps one point per run interval.
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
  /** fds and threads: open file descriptors and threads of the tree, at the start, the end (last live sample) and their most. */
  readonly fds?: CountRange;
  readonly threads?: CountRange;
  /**
   * rssFit is the least-squares line through every live sample's RSS (bytes) against its time (ms
   * from the run's start): its slope is the RSS slope in bytes per ms, with its standard errors.
   * Absent with fewer than 3 live samples.
   */
  readonly rssFit?: LinearFit;
  readonly series: readonly ServerPoint[];
  /** proxy is what the proxy in front (nginx) did, apart from the server's figures above, when there is one. */
  readonly proxy?: ProxyStats;
}

/** ProxyStats are the proxy's own process tree during a run (`-s 'nginx>SERVER'`): it should stay flat. */
export interface ProxyStats {
  readonly name: string;
  readonly peakRssBytes: number;
  readonly rssEndBytes: number;
  readonly cpuSeconds: number;
  readonly processesStart: number;
  readonly processesEnd: number;
  readonly restarts: number;
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
  private readonly seriesEveryMs: number;
  private readonly points: ServerPoint[] = [];
  private samples = 0;
  private peak = 0;
  private cpuMax = 0;
  private last: ServerPoint | undefined;
  private lastAlive: ServerPoint | undefined;
  private first: ProcessSample | undefined;
  /** Every live sample's time and RSS, for the fit (16 bytes a sample: a day at 200 ms is 7 MB). */
  private readonly fitT: number[] = [];
  private readonly fitRss: number[] = [];
  private fdsPeak = 0;
  private threadsPeak = 0;
  private proxyFirst: ProcessSample | undefined;
  private proxyLast: ProcessSample | undefined;
  private proxyPeak = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private startMs = 0;

  /**
   * everyMs is the sampling period (at least 50 ms): short, because a worker that lives less than a
   * period may go unseen; seriesEveryMs spaces the points kept for the JSON (the run's interval).
   */
  constructor(server: RunningServer, everyMs: number, seriesEveryMs: number = everyMs) {
    this.server = server;
    this.everyMs = Math.max(50, everyMs);
    this.seriesEveryMs = seriesEveryMs;
  }

  onStart(): void {
    this.startMs = performance.now();
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
        if (s.proxy !== undefined) {
          this.proxyFirst ??= s.proxy;
          this.proxyLast = s.proxy;
          this.proxyPeak = Math.max(this.proxyPeak, s.proxy.rssBytes);
        }
        const point: ServerPoint = {
          tMs: s.atMs - this.startMs,
          rssBytes: s.rssBytes,
          processes: s.processes,
          restarts: s.restarts,
          cpuSeconds: s.cpuSeconds,
          ...(s.fds !== undefined ? { fds: s.fds } : {}),
          ...(s.threads !== undefined ? { threads: s.threads } : {}),
        };
        this.samples++;
        this.peak = Math.max(this.peak, s.rssBytes);
        this.cpuMax = Math.max(this.cpuMax, s.cpuSeconds);
        this.fdsPeak = Math.max(this.fdsPeak, s.fds ?? 0);
        this.threadsPeak = Math.max(this.threadsPeak, s.threads ?? 0);
        this.last = point;
        if (s.processes > 0) {
          this.lastAlive = point;
          this.fitT.push(point.tMs);
          this.fitRss.push(point.rssBytes);
        }
        const previous = this.points[this.points.length - 1];
        if (previous === undefined || point.tMs - previous.tMs >= this.seriesEveryMs) this.points.push(point);
      })
      .catch(() => undefined)
      .finally(() => {
        this.inFlight = undefined;
      });
  }

  private stats(first: ProcessSample): ServerStats {
    const last = this.last!;
    const lastAlive = this.lastAlive ?? last;
    const points = this.points[this.points.length - 1] === last ? this.points : [...this.points, last];
    const rssFit = linearFit(this.fitT, this.fitRss);
    return {
      name: this.server.name,
      samples: this.samples,
      rssStartBytes: first.rssBytes,
      rssEndBytes: lastAlive.rssBytes,
      peakRssBytes: this.peak,
      rssGrowthBytes: lastAlive.rssBytes - first.rssBytes,
      cpuSeconds: Math.max(0, this.cpuMax - first.cpuSeconds),
      processesStart: first.processes,
      processesEnd: last.processes,
      restarts: Math.max(0, last.restarts - first.restarts),
      aliveAtEnd: last.processes > 0,
      ...(first.fds !== undefined ? { fds: { start: first.fds, end: lastAlive.fds ?? 0, peak: this.fdsPeak } } : {}),
      ...(first.threads !== undefined ? { threads: { start: first.threads, end: lastAlive.threads ?? 0, peak: this.threadsPeak } } : {}),
      ...(rssFit !== undefined ? { rssFit } : {}),
      series: points,
      ...(this.server.proxy !== undefined && this.proxyFirst !== undefined && this.proxyLast !== undefined
        ? {
            proxy: {
              name: this.server.proxy.name,
              peakRssBytes: this.proxyPeak,
              rssEndBytes: this.proxyLast.rssBytes,
              cpuSeconds: Math.max(0, this.proxyLast.cpuSeconds - this.proxyFirst.cpuSeconds),
              processesStart: this.proxyFirst.processes,
              processesEnd: this.proxyLast.processes,
              restarts: Math.max(0, this.proxyLast.restarts - this.proxyFirst.restarts),
            },
          }
        : {}),
    };
  }
}
