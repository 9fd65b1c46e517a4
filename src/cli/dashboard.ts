import type { Command } from 'commander';
import { usageError } from '../core/errors.js';
import type { Threshold } from '../metrics/thresholds.js';
import { DashboardServer } from '../report/dashboard-server.js';
import type { GridView } from '../report/page-model.js';
import type { Reporter } from '../report/reporter.js';
import { untilSignal } from './commands/durability-common.js';
import { err, requestStop } from './io.js';
import { sectionViewsOf } from './page-sections.js';

/** DEFAULT_DASHBOARD is k6's dashboard address: loopback only, unless the user names another. */
export const DEFAULT_DASHBOARD = { host: '127.0.0.1', port: 5665 } as const;

/** DashboardFlagValues are the parsed values of addDashboardFlag. */
export interface DashboardFlagValues {
  dashboard?: string | boolean;
  dashboardKeep?: boolean;
}

/** addDashboardFlag adds `--dashboard[=HOST:PORT]` and `--dashboard-keep` to a command that runs load. */
export function addDashboardFlag(cmd: Command): Command {
  return cmd
    .option('--dashboard [host:port]', `serve a live web dashboard (default address: ${DEFAULT_DASHBOARD.host}:${DEFAULT_DASHBOARD.port}; write --dashboard=HOST:PORT, port 0 picks a free one)`, checkedAddress)
    .option('--dashboard-keep', 'keep serving the dashboard after the run, until Ctrl-C');
}

/**
 * parseDashboardAddress reads `--dashboard`'s value: none (the default address), `HOST:PORT`,
 * `[IPv6]:PORT` or a port alone (loopback). Anything else, such as a URL that commander took as the
 * flag's value, is a usage error.
 */
export function parseDashboardAddress(value: string | boolean | undefined): { host: string; port: number } {
  if (value === undefined || value === true || value === '') return { ...DEFAULT_DASHBOARD };
  const text = String(value);
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(text) ?? /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(text) ?? /^()(\d{1,5})$/.exec(text);
  const port = m === null ? NaN : Number(m[2]);
  if (m === null || !(port >= 0 && port <= 65535)) {
    throw usageError(`--dashboard '${text}' is not HOST:PORT`, `write --dashboard=127.0.0.1:5665 (with '='; port 0 picks a free port), or put --dashboard after the command's arguments`);
  }
  return { host: m[1] === '' ? DEFAULT_DASHBOARD.host : m[1]!, port };
}

/** checkedAddress checks `--dashboard`'s value as commander reads it: a mistake fails before anything else is read or run. */
export const checkedAddress = (value: string): string => {
  parseDashboardAddress(value);
  return value;
};

/** LiveDashboard is a started dashboard as a command uses it. */
export interface LiveDashboard {
  readonly server: DashboardServer;
  /** reporter follows one run (call once per run: a multitest's cells each get one). */
  reporter(thresholds?: readonly Threshold[], id?: string): Reporter;
  setGrid(grid: GridView): void;
  /** finish sends the end to the pages; with --dashboard-keep it then serves until Ctrl-C. */
  finish(): Promise<void>;
}

/**
 * openDashboard starts the dashboard when `--dashboard` was given (undefined otherwise) and prints its
 * URL on stderr. Its stop button stops the run as Ctrl-C does (see requestStop).
 */
export async function openDashboard(f: DashboardFlagValues, title: string): Promise<LiveDashboard | undefined> {
  if (f.dashboard === undefined || f.dashboard === false) {
    if (f.dashboardKeep) throw usageError('--dashboard-keep needs --dashboard', 'add --dashboard (or leave out --dashboard-keep)');
    return undefined;
  }
  const { host, port } = parseDashboardAddress(f.dashboard);
  const keep = f.dashboardKeep === true;
  const server = await DashboardServer.start({ host, port, title, keep, onStop: requestStop, sectionViews: sectionViewsOf });
  err(`Dashboard: ${server.url} (live; its stop button stops the run as Ctrl-C does)\n`);
  if (!/^(127\.|\[::1\]|localhost)/.test(server.url.slice('http://'.length))) err(`warning: the dashboard listens on ${host}, not only this machine: anyone who can reach it sees the run (stopping it needs the page's token)\n`);
  return {
    server,
    reporter: (thresholds = [], id) => server.runReporter(thresholds, id),
    setGrid: (grid) => server.setGrid(grid),
    finish: async () => {
      await server.finish();
      if (!keep) return;
      err(`Dashboard still served at ${server.url}; press Ctrl-C to end.\n`);
      await untilSignal();
      await server.close();
    },
  };
}
