import { spawn } from 'node:child_process';
import http from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { GauntletError } from '../../core/errors.js';
import { liveGroupMembers, ProcessTree } from './process-tree.js';
import type { ProcessSample, RunningServer, ServerLogLine, ServerStopReport } from './server-adapter.js';

/** LaunchPlan is everything needed to run one server process: the command and how to judge it ready. */
export interface LaunchPlan {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly host: string;
  readonly port: number;
  /** readyPath is fetched until it answers 200; default /plain. */
  readonly readyPath?: string;
  /** expectedProcesses: ready also waits until the tree has this many live processes (all workers booted). */
  readonly expectedProcesses?: number;
  /** readyLog: ready also waits until the server's log matches this (e.g. every worker says it listens). */
  readonly readyLog?: RegExp;
  readonly startTimeoutMs: number;
  readonly graceMs: number;
  readonly sampleIntervalMs: number;
  readonly logLimitBytes: number;
}

/** Process groups started and not yet stopped; killed if this process exits without stopping them. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pgid of liveGroups) if (liveGroupMembers(pgid).length > 0) signalGroup(pgid, 'SIGKILL');
  });
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already empty
  }
}

/**
 * WATCHDOG_SCRIPT is the `sh` program that kills a server's group when Gauntlet dies without
 * stopping it ($1 = the group's id, $2 = the grace in tenths of a second). Its stdin is a pipe whose
 * only writer is Gauntlet: a line `disarm` means the server was stopped properly; end of file
 * without it means Gauntlet is gone (even by SIGKILL: the kernel closes the pipe), so it sends the
 * group SIGTERM, waits up to the grace while any member lives, then SIGKILL.
 */
const WATCHDOG_SCRIPT = [
  "trap '' HUP INT",
  'read -r line',
  '[ "$line" = disarm ] && exit 0',
  'kill -0 -$1 2>/dev/null || exit 0',
  'kill -TERM -$1 2>/dev/null',
  'i=0',
  'while [ $i -lt $2 ] && kill -0 -$1 2>/dev/null; do sleep 0.1; i=$((i+1)); done',
  'kill -KILL -$1 2>/dev/null',
  'exit 0',
].join('\n');

/**
 * startWatchdog starts the watchdog of one server group: a tiny `sh` (see WATCHDOG_SCRIPT) in its
 * own session, outside the server's group (a stop signals the group without killing its own guard)
 * and outside Gauntlet's (a terminal hang-up or a Ctrl-C to Gauntlet's group does not reach it). It
 * does not keep Gauntlet alive. The returned function disarms it, once the group is gone.
 */
function startWatchdog(pgid: number, graceMs: number): () => void {
  let watchdog: ReturnType<typeof spawn>;
  try {
    watchdog = spawn('sh', ['-c', WATCHDOG_SCRIPT, 'gauntlet-watchdog', String(pgid), String(Math.ceil(graceMs / 100))], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
  } catch {
    return () => undefined;
  }
  watchdog.on('error', () => undefined);
  watchdog.stdin?.on('error', () => undefined);
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  let disarmed = false;
  return () => {
    if (disarmed) return;
    disarmed = true;
    watchdog.stdin?.end('disarm\n');
  };
}

/** probe sends one GET and resolves to the status code, or 0 when it could not get one in time. */
function probe(host: string, port: number, path: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

function tail(text: string, lines = 25): string {
  const all = text.trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}

/**
 * launchServer spawns the plan's command in its own process group (`detached: true`, so PID = PGID),
 * keeps its stdout and stderr, and waits until GET readyPath answers 200 and the expected processes
 * are up. If the process exits first, or the start timeout passes, the group is killed and a
 * GAUNTLET_SERVER_FAILED error carries the tail of the server's log. stop() signals only that group.
 *
 * A server never outlives Gauntlet: an exit hook kills the group on a normal exit, and a watchdog
 * (startWatchdog: an `sh` reading a pipe from Gauntlet, whose end of file means Gauntlet died, even
 * by SIGKILL) sends the group SIGTERM, waits the grace, then SIGKILL.
 */
export async function launchServer(plan: LaunchPlan): Promise<RunningServer> {
  installExitHook();
  const started = performance.now();
  let log = '';
  const keep = (chunk: Buffer): void => {
    log += chunk.toString('utf8');
    if (log.length > plan.logLimitBytes * 1.25) log = log.slice(log.length - plan.logLimitBytes);
  };
  const lines = new LogLineRing();
  const child = spawn(plan.command, [...plan.args], {
    cwd: plan.cwd,
    env: { ...process.env, ...plan.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stampOut = lines.stream();
  const stampErr = lines.stream();
  child.stdout.on('data', (chunk: Buffer) => {
    keep(chunk);
    stampOut(chunk);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    keep(chunk);
    stampErr(chunk);
  });
  let exit: { code: number | null; signal: string | null } | undefined;
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      tree.leaderAlive = false;
      resolve();
    });
    child.once('error', (error) => {
      spawnError = error;
      exit ??= { code: null, signal: null };
      resolve();
    });
  });
  const pid = child.pid ?? -1;
  const tree = new ProcessTree(pid);
  if (pid > 0) liveGroups.add(pid);
  const disarmWatchdog = pid > 0 ? startWatchdog(pid, plan.graceMs) : () => undefined;
  const logs = (): string => (log.length > plan.logLimitBytes ? log.slice(log.length - plan.logLimitBytes) : log);

  let stopping: Promise<ServerStopReport> | undefined;
  let monitor: NodeJS.Timeout | undefined;
  const stop = (): Promise<ServerStopReport> => {
    stopping ??= (async () => {
      clearInterval(monitor);
      const t0 = performance.now();
      const alreadyExited = exit !== undefined;
      let killed = false;
      if (pid > 0) {
        // Once the leader is reaped its PID may be reused, so the group is signalled only while it
        // still has members (a group's id cannot be handed out again while any member lives).
        if (exit === undefined || liveGroupMembers(pid).length > 0) signalGroup(pid, 'SIGTERM');
        if (!(await groupGone(pid, plan.graceMs))) {
          killed = true;
          if (liveGroupMembers(pid).length > 0) signalGroup(pid, 'SIGKILL');
          if (!(await groupGone(pid, 3000))) {
            const left = liveGroupMembers(pid);
            throw new GauntletError('GAUNTLET_SERVER_FAILED', `server ${plan.name} left processes behind after SIGKILL: ${left.join(', ')}`, {
              hint: `look at them with: ps -o pid,stat,cmd -g ${pid}`,
            });
          }
        }
        liveGroups.delete(pid);
        disarmWatchdog();
        await Promise.race([exited, delay(1000)]);
      }
      child.stdout.destroy();
      child.stderr.destroy();
      return {
        name: plan.name,
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        alreadyExited,
        killed,
        durationMs: performance.now() - t0,
      };
    })();
    return stopping;
  };

  const failed = async (why: string): Promise<never> => {
    await stop().catch(() => undefined);
    const shown = tail(logs());
    throw new GauntletError('GAUNTLET_SERVER_FAILED', `server ${plan.name} ${why}${shown ? `; its log ends:\n${shown}` : ' (its log is empty)'}`, {
      hint: `run the server's command by hand to see why: ${[plan.command, ...plan.args].join(' ')}`,
    });
  };

  const deadline = started + plan.startTimeoutMs;
  const readyPath = plan.readyPath ?? '/plain';
  for (;;) {
    if (spawnError) return failed(`could not be started (${spawnError.message})`);
    if (exit) return failed(`exited (${exit.signal ?? `code ${exit.code}`}) before it answered GET ${readyPath}`);
    const left = deadline - performance.now();
    if (left <= 0) return failed(`did not answer GET ${readyPath} with 200${plan.readyLog ? ` and log ${String(plan.readyLog)}` : ''} within ${(plan.startTimeoutMs / 1000).toFixed(1)}s`);
    const status = await probe(plan.host, plan.port, readyPath, Math.min(1000, Math.max(50, left)));
    if (
      status === 200 &&
      (plan.readyLog === undefined || plan.readyLog.test(logs())) &&
      (plan.expectedProcesses === undefined || (await tree.members()).length >= plan.expectedProcesses)
    ) {
      break;
    }
    await Promise.race([exited, delay(Math.min(100, Math.max(0, deadline - performance.now())))]);
  }
  await tree.markBaseline();
  if (plan.sampleIntervalMs > 0) {
    monitor = setInterval(() => void tree.sample().catch(() => undefined), plan.sampleIntervalMs);
    monitor.unref();
  }

  const server: RunningServer = {
    name: plan.name,
    url: `http://${plan.host.includes(':') ? `[${plan.host}]` : plan.host}:${plan.port}`,
    host: plan.host,
    port: plan.port,
    pid,
    stop,
    sample: (): Promise<ProcessSample> => tree.sample(),
    logs,
    logLines: () => lines.lines(),
    [Symbol.asyncDispose]: async () => {
      await stop();
    },
  };
  return server;
}

/** groupGone polls until no live process is left in the group, up to `ms`. */
async function groupGone(pgid: number, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  for (;;) {
    if (liveGroupMembers(pgid).length === 0) return true;
    if (performance.now() >= end) return false;
    await delay(25);
  }
}

/** LOG_RING_LINES bounds the timestamped log lines kept per server; LOG_LINE_CHARS one line's length. */
export const LOG_RING_LINES = 5000;
const LOG_LINE_CHARS = 500;

/**
 * LogLineRing keeps a server's last LOG_RING_LINES log lines, each stamped with performance.now()
 * when its first byte arrived; `stream()` gives one splitter per pipe, so stdout and stderr lines do
 * not run into each other. Memory is bounded by lines × LOG_LINE_CHARS.
 */
export class LogLineRing {
  private readonly ring: ServerLogLine[] = [];
  private next = 0;

  /** stream returns the chunk handler of one pipe: it splits chunks into lines and keeps them. */
  stream(): (chunk: Buffer) => void {
    let pending = '';
    let pendingAt = 0;
    return (chunk) => {
      const now = performance.now();
      const parts = chunk.toString('utf8').split('\n');
      for (let i = 0; i < parts.length; i++) {
        if (pending === '') pendingAt = now;
        if (pending.length < LOG_LINE_CHARS) pending += parts[i]!;
        if (i === parts.length - 1) break; // no newline yet: the line goes on in the next chunk
        const text = pending.replace(/\r$/, '').slice(0, LOG_LINE_CHARS);
        pending = '';
        if (text.trim() !== '') this.add({ atMs: pendingAt, text });
      }
    };
  }

  private add(line: ServerLogLine): void {
    if (this.ring.length < LOG_RING_LINES) this.ring.push(line);
    else this.ring[this.next] = line;
    this.next = (this.next + 1) % LOG_RING_LINES;
  }

  /** lines returns the kept lines, oldest first. */
  lines(): ServerLogLine[] {
    return this.ring.length < LOG_RING_LINES ? [...this.ring] : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
  }
}
