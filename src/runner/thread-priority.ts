import { readdirSync, readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { setFlagsFromString } from 'node:v8';

/**
 * BACKGROUND_NICE is the nice value a load-generating process gives its threads that keep no
 * schedule (its main thread, V8's and libuv's helpers): on a busy CPU the kernel then lets a worker
 * woken for a due arrival or a response run before them, instead of after their time slice.
 */
export const BACKGROUND_NICE = 10;

/**
 * osThreadId is the calling thread's kernel thread id (Linux, from /proc/thread-self), or undefined
 * where there is none to read. Read synchronously, so it is this thread's, not the libuv pool's.
 */
export function osThreadId(): number | undefined {
  try {
    const id = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(id) && id > 0 ? id : undefined;
  } catch {
    return undefined;
  }
}

/** threadIds lists this process's kernel thread ids (Linux), or [] where /proc cannot tell them. */
export function threadIds(): number[] {
  try {
    return readdirSync('/proc/self/task').map(Number).filter((id) => Number.isInteger(id) && id > 0);
  } catch {
    return [];
  }
}

/**
 * dedicateToLoad prepares this process to be a dedicated load generator, before it starts its
 * workers: V8's memory reducer goes off (in a worker that looks idle, as a light open-model worker
 * does between arrivals, it runs full collections of up to ~20 ms: every arrival due meanwhile is
 * late). The flag is process-wide; isolates started afterwards read it when they set up their heap.
 */
export function dedicateToLoad(): void {
  setFlagsFromString('--no-memory-reducer');
}

/**
 * lowerOtherThreads gives the threads in `keep` (the workers and their clock threads) the CPU
 * first: every other thread of this process (its main thread, V8's and libuv's helpers) runs at
 * nice BACKGROUND_NICE, unless already lower. A thread started later inherits the nice value of the
 * thread that starts it. Linux sets priority per thread (setpriority on a thread id); elsewhere, or
 * where /proc is absent, nothing changes. Lowering one's own priority needs no privilege and cannot
 * be undone without it: only for a process that exists to run one load (the CLI's bench and run),
 * never by default in a program that embeds Gauntlet.
 */
export function lowerOtherThreads(keep: ReadonlySet<number>): void {
  for (const id of threadIds()) {
    if (keep.has(id)) continue;
    try {
      if (getPriority(id) >= BACKGROUND_NICE) continue;
      setPriority(id, BACKGROUND_NICE);
    } catch {
      // The thread ended meanwhile, or the system refuses: it keeps its priority.
    }
  }
}
