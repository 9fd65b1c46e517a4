/**
 * measured-process starts the benchmark's child processes and measures what they cost: user+system
 * CPU seconds (all threads) and peak RSS. Every process it starts is its own process group, tracked
 * until it exits, and ended by that id on `killAll()` — on normal exit, on error and on Ctrl-C.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';

/** Tools says which optional system tools this machine has. */
export interface Tools {
  taskset: boolean;
  time: boolean;
  wrk: string | undefined;
  /** hey (Debian `hey`), when installed. */
  hey: string | undefined;
  /** the nginx binary (Debian `nginx-light`: /usr/sbin/nginx), when installed. */
  nginx: string | undefined;
  /** a python3 that can `import locust` (Debian `python3-locust`), when there is one. */
  locustPython: string | undefined;
  clkTck: number;
  /** niceness to run the target and generators at (BENCH_NICE), to outweigh other work on a shared box. */
  nice: number | undefined;
}

/** detectTools looks the optional tools up once. */
export function detectTools(): Tools {
  const which = (name: string): string | undefined => {
    const r = spawnSync('bash', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : undefined;
  };
  const tck = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim());
  let time = false;
  try {
    // GNU time (-f/-o); busybox or BSD time would not take these flags.
    time = spawnSync('/usr/bin/time', ['-f', '%U', '-o', '/dev/null', 'true']).status === 0;
  } catch {
    time = false;
  }
  const nginx = which('nginx') ?? (spawnSync('test', ['-x', '/usr/sbin/nginx']).status === 0 ? '/usr/sbin/nginx' : undefined);
  // The Debian package installs into the system python; a python3 earlier in PATH (pyenv) may lack it.
  const locustPython = [which('python3'), '/usr/bin/python3'].find((py) => py !== undefined && spawnSync(py, ['-c', 'import locust'], { stdio: 'ignore' }).status === 0);
  return { taskset: which('taskset') !== undefined, time, wrk: which('wrk'), hey: which('hey'), nginx, locustPython, clkTck: Number.isFinite(tck) && tck > 0 ? tck : 100, nice: undefined };
}

/** Measured is what one finished generator run cost. */
export interface Measured {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  /** user+system CPU seconds of the process and all its threads; NaN when unknown. */
  cpuSec: number;
  /** the user part of cpuSec: the generator's own code, without the kernel's socket work. */
  userSec: number;
  /** peak resident set size in MiB; NaN when unknown. */
  peakRssMiB: number;
  /** how the figures were taken: `time` (GNU time, exact) or `poll` (/proc every 100 ms). */
  source: 'time' | 'poll';
  /** peak RSS seen by polling /proc/<pid>/status VmHWM (a cross-check of `time`'s %M). */
  polledRssMiB: number;
  timedOut: boolean;
}

const live = new Set<number>();

function quote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** RAISE_NOFILE raises the open-file limit as far as it goes (65536, or the hard limit). */
const RAISE_NOFILE = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"';

function startGroup(script: string, stdin: 'pipe' | 'ignore'): ChildProcess {
  const child = spawn('bash', ['-c', script], { detached: true, stdio: [stdin, 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start: ${script}`);
  live.add(pid);
  child.on('exit', () => live.delete(pid));
  return child;
}

function alive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** killGroup ends one process group we started: SIGTERM, then SIGKILL after `graceMs`. */
export async function killGroup(pid: number, graceMs = 1500): Promise<void> {
  if (!alive(pid)) return void live.delete(pid);
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    /* gone */
  }
  const until = Date.now() + graceMs;
  while (alive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  if (alive(pid)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  live.delete(pid);
}

/** killAll ends every process group still running. */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((pid) => killGroup(pid)));
}

/** killAllNow is killAll for the `exit` event, where nothing can be awaited. */
export function killAllNow(): void {
  for (const pid of live) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  live.clear();
}

/** readProc reads a process's CPU seconds (all threads) and peak RSS from /proc; undefined when gone. */
export function readProc(pid: number, clkTck: number): { cpuSec: number; userSec: number; hwmMiB: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is field 3, utime 14, stime 15 (process-wide: all threads).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const userSec = Number(f[11]) / clkTck;
    const cpuSec = userSec + Number(f[12]) / clkTck;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    return { cpuSec, userSec, hwmMiB: m ? Number(m[1]) / 1024 : NaN };
  } catch {
    return undefined;
  }
}

function childOf(pid: number): number | undefined {
  try {
    const c = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0];
    return c ? Number(c) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * shellScript is the bash that runs `command` pinned to `cpu` with a raised open-file limit and, as
 * configured, a niceness. With the kernel's autogroup scheduling (on by default), niceness only weighs
 * within one session, and each process we start is its own session, so the session's autogroup gets
 * the niceness too.
 */
function shellScript(command: string, cpu: number | undefined, tools: Tools): string {
  const setup = tools.nice !== undefined ? `{ echo ${tools.nice} > /proc/self/autogroup; } 2>/dev/null; ` : '';
  const nice = tools.nice !== undefined ? `nice -n ${tools.nice} ` : '';
  const pin = cpu !== undefined && tools.taskset ? `taskset -c ${cpu} ` : '';
  return `${RAISE_NOFILE}; ${setup}exec ${nice}${pin}${command}`;
}

/** RunOptions place and bound one generator run. */
export interface RunOptions {
  cpu: number | undefined;
  timeoutMs: number;
  tools: Tools;
}

let seq = 0;

/**
 * runMeasured runs `argv` to completion, pinned to `cpu`, with a raised open-file limit, and returns
 * its output and cost. CPU and peak RSS come from GNU time when present (exact: the rusage of the
 * reaped process, all threads included); otherwise from polling /proc every 100 ms (the last poll
 * before exit, so up to 100 ms of CPU may be missed).
 */
export async function runMeasured(argv: string[], o: RunOptions): Promise<Measured> {
  const timeFile = join(tmpdir(), `gauntlet-bench-time-${process.pid}-${++seq}.txt`);
  const timed = o.tools.time ? `/usr/bin/time -o ${timeFile} -f '%U %S %M' ` : '';
  const script = shellScript(timed + argv.map(quote).join(' '), o.cpu, o.tools);
  const t0 = performance.now();
  const child = startGroup(script, 'ignore');
  const pid = child.pid!;
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let polledCpu = NaN;
  let polledUser = NaN;
  let polledRss = NaN;
  const poll = setInterval(() => {
    const gen = o.tools.time ? childOf(pid) : pid;
    if (gen === undefined) return;
    const p = readProc(gen, o.tools.clkTck);
    if (p === undefined) return;
    polledCpu = p.cpuSec;
    polledUser = p.userSec;
    if (!(p.hwmMiB <= polledRss)) polledRss = p.hwmMiB;
  }, 100);
  let timedOut = false;
  const killer = setTimeout(() => {
    timedOut = true;
    void killGroup(pid);
  }, o.timeoutMs);
  const [exitCode, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
  clearTimeout(killer);
  clearInterval(poll);
  const wallMs = performance.now() - t0;
  let cpuSec = polledCpu;
  let userSec = polledUser;
  let peakRssMiB = polledRss;
  let source: Measured['source'] = 'poll';
  if (o.tools.time) {
    try {
      const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
      const [u, s, m] = lines[lines.length - 1]!.trim().split(/\s+/).map(Number);
      if (Number.isFinite(u) && Number.isFinite(s)) {
        cpuSec = u! + s!;
        userSec = u!;
        peakRssMiB = m! / 1024;
        source = 'time';
      }
    } catch {
      /* fall back to the polled figures */
    }
    rmSync(timeFile, { force: true });
  }
  return { exitCode, signal, stdout, stderr, wallMs, cpuSec, userSec, peakRssMiB, source, polledRssMiB: polledRss, timedOut };
}

/** TargetCounters are a target's totals since it started (see bench/target.ts). */
export interface TargetCounters {
  requests: number;
  connections: number;
  open: number;
  peakOpen: number;
  cpuMs: number;
}

/** BenchTarget is a running target server the generators are pointed at. */
export interface BenchTarget {
  /** name in the reports: `node` or `nginx`. */
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** stats reads the target's counters (requests answered, its CPU). */
  stats(): Promise<TargetCounters>;
  /** resetPeak starts a new peak-open-connections window (where the target counts it). */
  resetPeak(): Promise<void>;
  /** stop ends the target by its process group id. */
  stop(): Promise<void>;
}

/**
 * startPinned starts `argv` as its own process group, pinned to `cpu`, with a raised open-file limit
 * (exec all the way: the group's pid is the program's own pid), tracked for killAll.
 */
export function startPinned(argv: string[], cpu: number | undefined, tools: Tools, stdin: 'pipe' | 'ignore'): ChildProcess {
  return startGroup(shellScript(argv.map(quote).join(' '), cpu, tools), stdin);
}

/** Target is the running node:http target server (bench/target.ts) and its control channel. */
export class Target implements BenchTarget {
  readonly name = 'node';
  readonly pid: number;
  readonly port: number;
  private readonly child: ChildProcess;
  private readonly lines: Interface;
  private readonly waiting: ((line: string) => void)[] = [];

  private constructor(child: ChildProcess, lines: Interface, port: number) {
    this.child = child;
    this.pid = child.pid!;
    this.lines = lines;
    this.port = port;
    lines.on('line', (l) => this.waiting.shift()?.(l));
  }

  /** start runs `node script` pinned to `cpu` and resolves once it listens. */
  static async start(script: string, cpu: number | undefined, tools: Tools): Promise<Target> {
    const child = startPinned([process.execPath, script], cpu, tools, 'pipe');
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    const lines = createInterface({ input: child.stdout! });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`target did not start: ${err}`)), 10_000);
      child.once('exit', (c) => reject(new Error(`target exited (${c}): ${err}`)));
      lines.once('line', (l) => {
        clearTimeout(timer);
        resolve((JSON.parse(l) as { port: number }).port);
      });
    });
    return new Target(child, lines, port);
  }

  private ask<T>(cmd: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`target did not answer ${cmd}`)), 5_000);
      this.waiting.push((l) => {
        clearTimeout(timer);
        resolve(JSON.parse(l) as T);
      });
      this.child.stdin!.write(`${cmd}\n`);
    });
  }

  /** stats asks the target for its counters (see bench/target.ts). */
  stats(): Promise<TargetCounters> {
    return this.ask('stats');
  }

  /** resetPeak starts a new peak-open-connections window. */
  async resetPeak(): Promise<void> {
    await this.ask('reset-peak');
  }

  /** stop ends the target by its process group id. */
  async stop(): Promise<void> {
    this.lines.close();
    this.child.stdin!.end();
    await killGroup(this.pid);
  }
}
