/**
 * cpu-load reads the machine's CPU use from /proc/stat, so the benchmark can tell how much of the
 * machine other processes took during a run (other people's tests on a shared box make req/s
 * meaningless) and can wait, for a bounded time, for the machine to be quiet before a run.
 */
import { readFileSync } from 'node:fs';

/** CpuTicks is a /proc/stat reading: busy and total ticks over all CPUs. */
export interface CpuTicks {
  busy: number;
  total: number;
}

/** readCpuTicks reads the `cpu` line of /proc/stat (undefined off Linux). */
export function readCpuTicks(): CpuTicks | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    // cpu user nice system idle iowait irq softirq steal guest guest_nice. irq and softirq are left
    // out of `busy`: on loopback much of our own TCP work lands there, unattributed to any process.
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = f[0]! + f[1]! + f[2]! + (f[7] ?? 0);
    return { busy, total: busy + f[3]! + f[4]! + f[5]! + f[6]! };
  } catch {
    return undefined;
  }
}

/**
 * busyCores is how many cores were busy between two readings (0 … number of CPUs) in processes
 * (user and system time of all of them) and hypervisor steal.
 */
export function busyCores(a: CpuTicks | undefined, b: CpuTicks | undefined, cpus: number): number {
  if (a === undefined || b === undefined || b.total === a.total) return NaN;
  return ((b.busy - a.busy) / (b.total - a.total)) * cpus;
}

/**
 * waitForQuiet waits until, over a 500 ms window, the machine is busier than `ownCores` (what our own
 * idle processes use, ~0) by less than `maxOtherCores`, for at most `maxWaitMs`. It returns how long it
 * waited and the last load it saw (in cores).
 */
export async function waitForQuiet(cpus: number, maxOtherCores: number, maxWaitMs: number): Promise<{ waitedMs: number; otherCores: number }> {
  const t0 = Date.now();
  let other = NaN;
  for (;;) {
    const a = readCpuTicks();
    await new Promise((r) => setTimeout(r, 500));
    other = busyCores(a, readCpuTicks(), cpus);
    if (!(other >= maxOtherCores) || Date.now() - t0 >= maxWaitMs) return { waitedMs: Date.now() - t0, otherCores: other };
  }
}
