import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import type { ProcessSample } from './server-adapter.js';

/** ProcInfo is what one /proc/PID/stat line says about a process. */
export interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly state: string;
  /** cpuTicks = utime + stime + cutime + cstime, in clock ticks. */
  readonly cpuTicks: number;
  readonly rssPages: number;
  /** threads is num_threads (the same count as /proc/PID/status `Threads:`). */
  readonly threads: number;
}

let systemConstants: { ticks: number; pageSize: number } | undefined;

function constants(): { ticks: number; pageSize: number } {
  if (systemConstants === undefined) {
    const read = (name: string, fallback: number): number => {
      try {
        const value = Number(execFileSync('getconf', [name], { encoding: 'utf8', timeout: 2000 }).trim());
        return Number.isFinite(value) && value > 0 ? value : fallback;
      } catch {
        return fallback;
      }
    };
    systemConstants = { ticks: read('CLK_TCK', 100), pageSize: read('PAGESIZE', 4096) };
  }
  return systemConstants;
}

/** parseStat reads /proc/PID/stat text; the command name may hold spaces and parentheses. */
function parseStat(text: string): ProcInfo | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const pid = Number(text.slice(0, text.indexOf(' ')));
  const f = text.slice(close + 2).split(' ');
  if (f.length < 22) return undefined;
  const n = (i: number): number => Number(f[i]);
  return { pid, state: f[0]!, ppid: n(1), pgid: n(2), cpuTicks: n(11) + n(12) + n(13) + n(14), threads: n(17), rssPages: n(21) };
}

const isPid = (name: string): boolean => /^\d+$/.test(name);

/** openFds counts a process's open file descriptors (/proc/PID/fd); 0 when it vanished or is not ours to read. */
async function openFds(pid: number): Promise<number> {
  try {
    return (await readdir(`/proc/${pid}/fd`)).length;
  } catch {
    return 0;
  }
}

/** readAllProcesses reads every process's stat (asynchronously; vanished processes are skipped). */
async function readAllProcesses(): Promise<ProcInfo[]> {
  const names = (await readdir('/proc')).filter(isPid);
  const infos = await Promise.all(
    names.map((name) =>
      readFile(`/proc/${name}/stat`, 'utf8').then(
        (text) => parseStat(text),
        () => undefined,
      ),
    ),
  );
  return infos.filter((info): info is ProcInfo => info !== undefined);
}

/**
 * liveGroupMembers lists the processes (not zombies) whose process group is `pgid`, synchronously:
 * stop() uses it to check that nothing of a server is left.
 */
export function liveGroupMembers(pgid: number): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc').filter(isPid)) {
    let info: ProcInfo | undefined;
    try {
      info = parseStat(readFileSync(`/proc/${name}/stat`, 'utf8'));
    } catch {
      continue;
    }
    if (info && info.pgid === pgid && info.state !== 'Z' && info.state !== 'X') pids.push(info.pid);
  }
  return pids;
}

/**
 * ProcessTree watches the processes of one started server: those in its process group plus any
 * descendant of its leader that moved to another group. Linux only (/proc). It counts restarts as
 * processes that appear after `markBaseline()` (a re-forked worker is a new PID), and keeps the peak RSS.
 */
export class ProcessTree {
  readonly leaderPid: number;
  private readonly seen = new Set<number>();
  private baselined = false;
  private restarts = 0;
  private peakRss = 0;
  leaderAlive = true;

  constructor(leaderPid: number) {
    this.leaderPid = leaderPid;
  }

  /** members returns the live processes of the tree, now. */
  async members(): Promise<ProcInfo[]> {
    const all = await readAllProcesses();
    const inTree = new Set<number>();
    for (const p of all) if (p.pgid === this.leaderPid || p.pid === this.leaderPid) inTree.add(p.pid);
    let grew = true;
    while (grew) {
      grew = false;
      for (const p of all) {
        if (!inTree.has(p.pid) && inTree.has(p.ppid)) {
          inTree.add(p.pid);
          grew = true;
        }
      }
    }
    return all.filter((p) => inTree.has(p.pid) && p.state !== 'Z' && p.state !== 'X');
  }

  /** markBaseline records the processes present now (a server just ready) as not being restarts. */
  async markBaseline(): Promise<number> {
    const members = await this.members();
    for (const p of members) this.seen.add(p.pid);
    this.baselined = true;
    return members.length;
  }

  /** sample reads the tree and updates the restart count and peak RSS; open fds and threads are summed over the tree. */
  async sample(): Promise<ProcessSample> {
    const members = await this.members();
    const { ticks, pageSize } = constants();
    let rss = 0;
    let cpu = 0;
    let threads = 0;
    const fds = (await Promise.all(members.map((p) => openFds(p.pid)))).reduce((a, b) => a + b, 0);
    for (const p of members) {
      rss += p.rssPages * pageSize;
      cpu += p.cpuTicks;
      threads += p.threads;
      if (!this.seen.has(p.pid)) {
        this.seen.add(p.pid);
        if (this.baselined) this.restarts++;
      }
    }
    this.peakRss = Math.max(this.peakRss, rss);
    return {
      atMs: performance.now(),
      processes: members.length,
      pids: members.map((p) => p.pid),
      rssBytes: rss,
      peakRssBytes: this.peakRss,
      cpuSeconds: cpu / ticks,
      fds,
      threads,
      restarts: this.restarts,
      leaderAlive: this.leaderAlive,
    };
  }
}
