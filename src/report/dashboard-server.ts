import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { GauntletError } from '../core/errors.js';
import type { RunResult } from '../metrics/run-result.js';
import type { Threshold } from '../metrics/thresholds.js';
import { renderPage } from './dashboard-page.js';
import { buildRunView, type RunViewOptions } from './dashboard-view.js';
import { LiveRun } from './live-run.js';
import type { GridView, PageDoc, RunState, RunView } from './page-model.js';
import type { Reporter } from './reporter.js';

/** DashboardOptions: where to listen, what to call on the stop button, and whether to keep serving after the run. */
export interface DashboardOptions {
  readonly host: string;
  readonly port: number;
  readonly title: string;
  /** onStop is the stop button: the same graceful stop as Ctrl-C. */
  readonly onStop?: () => void;
  /** keep: the page is still served after the run (until the process ends). */
  readonly keep?: boolean;
  readonly sectionViews?: RunViewOptions['sectionViews'];
}

/** HEARTBEAT_MS: a comment line keeps idle event streams open through proxies and browsers. */
const HEARTBEAT_MS = 15_000;

const isLoopback = (host: string) => host === '127.0.0.1' || host === '::1' || host === 'localhost' || /^127\./.test(host);

/**
 * DashboardServer is the live dashboard (`--dashboard`): a node:http server on the address given
 * (loopback by default) serving the page, its server-sent events and a stop endpoint.
 *
 * - `GET /` is the page with the document so far and the run's token; `GET /events` sends the
 *   document (`doc`: a browser opening late gets everything so far), then one `point` per interval,
 *   and `end` with the final document when the run is over.
 * - `POST /stop` calls `onStop` (the same stop as Ctrl-C) only with the per-run token (a random
 *   128-bit value in the page, sent as `x-gauntlet-token`) and from the dashboard's own origin.
 * - Every request whose Host is not the dashboard's own address is refused (403): a page of another
 *   site cannot reach it by DNS rebinding, nor read the token; the page may not be framed.
 */
export class DashboardServer {
  readonly token = randomBytes(16).toString('hex');
  private readonly options: DashboardOptions;
  private readonly server: Server;
  private readonly clients = new Set<ServerResponse>();
  private readonly runs: LiveRun[] = [];
  private grid: GridView | undefined;
  private ended = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private allowedHosts = new Set<string>();
  private address = '';
  private stopRequests = 0;

  private constructor(options: DashboardOptions) {
    this.options = options;
    this.server = createServer((req, res) => this.handle(req, res));
  }

  /** start listens on the address; a busy or bad address is a GauntletError (exit 2) before any run. */
  static async start(options: DashboardOptions): Promise<DashboardServer> {
    const d = new DashboardServer(options);
    await new Promise<void>((resolve, reject) => {
      d.server.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          new GauntletError('GAUNTLET_USAGE', `--dashboard: cannot listen on ${options.host}:${options.port} (${e.code ?? e.message})`, {
            hint: e.code === 'EADDRINUSE' ? 'another program uses that port: pick another, e.g. --dashboard=127.0.0.1:5666 (port 0 picks a free one)' : 'give an address of this machine, e.g. --dashboard=127.0.0.1:5665',
          }),
        ),
      );
      d.server.listen(options.port, options.host, () => resolve());
    });
    const a = d.server.address() as AddressInfo;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    d.address = `${host}:${a.port}`;
    d.allowedHosts.add(d.address);
    if (isLoopback(a.address)) d.allowedHosts.add(`localhost:${a.port}`);
    if (options.host !== a.address && !options.host.includes(':')) d.allowedHosts.add(`${options.host}:${a.port}`);
    // Bound to every interface: the page answers to this machine's own names and addresses (and no other).
    if (a.address === '0.0.0.0' || a.address === '::') {
      d.allowedHosts.add(`${hostname()}:${a.port}`).add(`localhost:${a.port}`);
      for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) d.allowedHosts.add(i.family === 'IPv6' ? `[${i.address}]:${a.port}` : `${i.address}:${a.port}`);
    }
    d.heartbeat = setInterval(() => d.broadcast(': alive\n\n'), HEARTBEAT_MS).unref();
    return d;
  }

  /** url is the page's address (printed at start). */
  get url(): string {
    return `http://${this.address}/`;
  }

  /** stopRequested counts the accepted stop requests. */
  get stopRequested(): number {
    return this.stopRequests;
  }

  /**
   * runReporter follows one run (a multitest starts one per cell): live views every interval, its
   * final view at the end. `thresholds` are judged live on the totals so far.
   */
  runReporter(thresholds: readonly Threshold[] = [], id?: string): Reporter {
    let live: LiveRun | undefined;
    return {
      onStart: (plan) => {
        live = new LiveRun(id ?? `r${this.runs.length + 1}`, plan, thresholds);
        this.runs.push(live);
        this.send('doc', this.doc());
      },
      onInterval: (row, totals) => {
        if (live === undefined) return;
        const event = live.add(row, totals);
        if (this.clients.size > 0) this.send('point', event());
      },
      onEnd: (result: RunResult) => {
        if (live === undefined) return;
        live.final = buildRunView(result, { id: live.id, ...this.viewOptions() });
        this.send('doc', this.doc());
      },
    };
  }

  private viewOptions(): Pick<RunViewOptions, 'sectionViews'> {
    return this.options.sectionViews !== undefined ? { sectionViews: this.options.sectionViews } : {};
  }

  /** setGrid shows (or updates) a matrix over the runs (multitest). */
  setGrid(grid: GridView): void {
    this.grid = grid;
    this.send('doc', this.doc());
  }

  /** showFinished serves finished runs (`gauntlet report run.json --dashboard`). */
  showFinished(runs: readonly RunView[], grid?: GridView): void {
    this.finishedRuns = runs;
    if (grid !== undefined) this.grid = grid;
    this.ended = true;
  }
  private finishedRuns: readonly RunView[] = [];

  /** doc is the page document now. */
  doc(): PageDoc {
    const runs = [...this.finishedRuns, ...this.runs.map((r) => r.view(this.viewOptions()))];
    const states = runs.map((r) => r.state);
    const state: RunState = !this.ended && this.runs.some((r) => r.final === undefined) ? 'running' : states.includes('fail') ? 'fail' : states.includes('warn') ? 'warn' : 'ok';
    return {
      format: 'gauntlet.page',
      title: this.options.title,
      state,
      ...(this.grid !== undefined ? { grid: this.grid } : {}),
      runs,
      live: { token: this.token, keep: this.options.keep === true },
    };
  }

  /**
   * finish says the run is over: every open page gets `end` with the final document. Unless kept,
   * the server then closes (the pages keep what they show).
   */
  async finish(): Promise<void> {
    this.ended = true;
    this.send('end', this.doc());
    if (!this.options.keep) await this.close();
  }

  /** close ends every stream and stops listening. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const c of this.clients) c.end();
    this.clients.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private send(event: string, data: unknown): void {
    if (this.clients.size === 0) return;
    this.broadcast(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private broadcast(text: string): void {
    for (const c of this.clients) c.write(text);
  }

  private refuse(res: ServerResponse, why: string): void {
    res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`refused: ${why}\n`);
  }

  private sameOrigin(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin !== undefined && ![...this.allowedHosts].some((h) => origin === `http://${h}`)) return false;
    const site = req.headers['sec-fetch-site'];
    return site === undefined || site === 'same-origin' || site === 'none';
  }

  private tokenOk(req: IncomingMessage): boolean {
    const given = req.headers['x-gauntlet-token'];
    if (typeof given !== 'string' || given.length !== this.token.length) return false;
    return timingSafeEqual(Buffer.from(given), Buffer.from(this.token));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const headers = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'content-security-policy': "frame-ancestors 'none'", 'x-frame-options': 'DENY' };
    if (!this.allowedHosts.has(req.headers.host ?? '')) return this.refuse(res, 'this dashboard answers only to its own address');
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && (path === '/' || path === '/index.html')) {
      res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' });
      res.end(renderPage(this.doc()));
      return;
    }
    if (req.method === 'GET' && path === '/events') {
      if (!this.sameOrigin(req)) return this.refuse(res, 'cross-origin');
      res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
      res.write('retry: 2000\n\n');
      res.write(`event: ${this.ended ? 'end' : 'doc'}\ndata: ${JSON.stringify(this.doc())}\n\n`);
      if (this.ended && !this.options.keep && this.finishedRuns.length === 0) {
        res.end();
        return;
      }
      this.clients.add(res);
      req.on('close', () => this.clients.delete(res));
      return;
    }
    if (path === '/stop') {
      if (req.method !== 'POST') return this.refuse(res, 'POST only');
      if (!this.sameOrigin(req)) return this.refuse(res, 'cross-origin');
      if (!this.tokenOk(req)) return this.refuse(res, 'missing or wrong token');
      if (this.ended) {
        res.writeHead(409, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
        res.end('the run has ended\n');
        return;
      }
      this.stopRequests++;
      res.writeHead(202, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
      res.end('stopping\n');
      this.options.onStop?.();
      return;
    }
    res.writeHead(404, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
    res.end('not found\n');
  }
}
