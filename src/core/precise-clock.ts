import { Worker } from 'node:worker_threads';
import { systemClock, type Clock } from './clock.js';

/**
 * PRECISE_MIN_MS: a precise timer for less than this goes to Node's timer. Node's timers have 1 ms
 * granularity (they fire 0–2 ms late); a wait shorter than that comes from a schedule so dense that
 * its arrivals are dispatched in batches per timer firing anyway, and a wake-up per arrival would cost
 * more CPU than it saves lateness.
 */
export const PRECISE_MIN_MS = 1;

/**
 * CLOCK_THREAD is the clock thread's body (a constant, run with `eval`, so it needs no file beside
 * the bundle that imports this module). It sleeps on a futex (`Atomics.wait` with a timeout, which
 * the kernel ends within tens of microseconds of the deadline) until the deadline in `due` (ms on the
 * process-wide monotonic clock, `process.hrtime`), posts the generation it fired for, and sleeps until
 * the owner writes a new deadline (the generation changes). A negative deadline ends it. It posts -1
 * once when it runs (starting a thread takes tens of milliseconds: see PreciseClock.ready), having
 * written its kernel thread id beside the generation.
 */
const CLOCK_THREAD = `
const { workerData, parentPort } = require('node:worker_threads');
const gen = new Int32Array(workerData, 0, 1);
const due = new Float64Array(workerData, 8, 1);
const { performance } = require('node:perf_hooks');
// The process-wide monotonic clock without allocating (hrtime.bigint() makes a BigInt per call, and
// a garbage collection here would delay a wake-up): performance.now() is the same clock from this
// thread's own origin, so its offset is taken once.
const base = Number(process.hrtime.bigint()) / 1e6 - performance.now();
const mono = () => base + performance.now();
// Its kernel thread id (Linux), for the owner's runner to keep this thread's priority (threadId):
// osThreadId's way, written out, since this thread imports nothing of ours.
try { new Int32Array(workerData, 4, 1)[0] = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop()) || 0; } catch {}
parentPort.postMessage(-1);
for (;;) {
  const g = Atomics.load(gen, 0);
  const at = due[0];
  if (at < 0) break;
  if (at === Infinity) { Atomics.wait(gen, 0, g); continue; }
  const wait = at - mono();
  if (wait > 0) { Atomics.wait(gen, 0, g, wait); continue; }
  parentPort.postMessage(g);
  Atomics.wait(gen, 0, g);
}
`;

interface PreciseTimer {
  at: number;
  fn: () => void;
  cancelled: boolean;
}

/** monoNow is the process-wide monotonic clock in ms (the same in every thread, unlike performance.now()). */
function monoNow(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * PreciseClock is the system clock (performance.now(), Node's timers, setImmediate) whose precise
 * timers (`setTimer(fn, ms, true)`, ms >= PRECISE_MIN_MS) fire within a few tenths of a millisecond
 * of their time instead of Node's 0–2 ms: a helper thread sleeps until the earliest one is due and wakes this thread's
 * event loop with a message. This thread still sleeps in its event loop meanwhile, so its event-loop
 * utilization stays a true measure of its load (a busy-wait would read as load). Used by a worker
 * thread for its open-model arrival schedule and its lateness probe: what a generator's own
 * lateness is measured with. If the helper thread cannot run, precise timers fall back to Node's.
 */
export class PreciseClock implements Clock {
  readonly now = systemClock.now;
  readonly defer = systemClock.defer;
  private readonly shared = new SharedArrayBuffer(16);
  private readonly gen = new Int32Array(this.shared, 0, 1);
  private readonly tid = new Int32Array(this.shared, 4, 1);
  private readonly due = new Float64Array(this.shared, 8, 1);
  /** heap is a binary min-heap of precise timers by `at` (cancelled ones are dropped when they reach the top). */
  private readonly heap: PreciseTimer[] = [];
  private thread: Worker | undefined;
  private armedAt = Infinity;
  private closed = false;
  /** running: the thread has started (until then it stays referenced, whatever is pending). */
  private running = false;
  private isReady: (() => void) | undefined;
  /**
   * ready resolves once the helper thread runs (or could not start: Node's timers serve then). A
   * thread takes tens of milliseconds to start: wait for it before the first precise timer matters.
   */
  readonly ready = new Promise<void>((resolve) => {
    this.isReady = resolve;
  });

  /** threadId is the helper thread's kernel thread id once it runs (Linux), else undefined. */
  get threadId(): number | undefined {
    return this.tid[0]! > 0 ? this.tid[0] : undefined;
  }

  constructor() {
    this.due[0] = Infinity;
    this.startThread();
  }

  setTimer(fn: () => void, ms: number, precise = false): () => void {
    if (!precise || ms < PRECISE_MIN_MS || this.closed) return systemClock.setTimer(fn, ms);
    const timer: PreciseTimer = { at: this.now() + ms, fn, cancelled: false };
    this.push(timer);
    this.arm();
    return () => {
      timer.cancelled = true;
      if (this.heap[0] === timer) this.arm();
    };
  }

  /** close ends the helper thread; precise timers still pending never fire. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.heap.length = 0;
    this.due[0] = -1;
    Atomics.add(this.gen, 0, 1);
    Atomics.notify(this.gen, 0);
    this.thread?.unref();
  }

  /** startThread starts the helper thread; false when it cannot run (then Node's timers serve). */
  private startThread(): boolean {
    if (this.thread !== undefined) return true;
    if (this.closed) return false;
    try {
      const t = new Worker(CLOCK_THREAD, { eval: true, workerData: this.shared, resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2, stackSizeMb: 1 } });
      t.on('message', this.fire);
      t.on('error', () => this.fallBack());
      t.on('exit', () => this.fallBack());
      // Referenced until it runs, so `await ready` holds the process; then only while a timer is pending.
      this.thread = t;
      return true;
    } catch {
      this.closed = true;
      this.isReady?.();
      return false;
    }
  }

  /** fallBack moves the pending precise timers to Node's timers when the helper thread ended unasked. */
  private fallBack(): void {
    this.isReady?.();
    if (this.closed) return;
    this.closed = true;
    const now = this.now();
    // Each still answers to its cancel function (which marks it cancelled).
    for (const t of this.heap.splice(0)) systemClock.setTimer(() => t.cancelled || t.fn(), t.at - now);
  }

  /** fire runs every precise timer due by now, in time order, then arms the thread for the next. */
  private readonly fire = (generation: number): void => {
    if (generation < 0) {
      this.running = true;
      this.isReady?.();
      return this.arm(true);
    }
    this.armedAt = Infinity;
    const now = this.now();
    for (let top = this.heap[0]; top !== undefined && (top.cancelled || top.at <= now); top = this.heap[0]) {
      this.pop();
      if (!top.cancelled) top.fn();
    }
    this.arm();
  };

  /**
   * arm tells the thread the earliest pending deadline (when it changed, or `always`); the thread
   * keeps this loop alive only while one is pending.
   */
  private arm(always = false): void {
    if (this.closed) return;
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
    const at = this.heap[0]?.at ?? Infinity;
    if (this.running) {
      if (at === Infinity) this.thread?.unref();
      else this.thread?.ref();
    }
    if (at === this.armedAt && !always) return;
    this.armedAt = at;
    this.due[0] = at === Infinity ? Infinity : monoNow() + (at - this.now());
    Atomics.add(this.gen, 0, 1);
    Atomics.notify(this.gen, 0);
  }

  private push(t: PreciseTimer): void {
    const h = this.heap;
    let i = h.push(t) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]!.at <= t.at) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = t;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const c = l + 1 < h.length && h[l + 1]!.at < h[l]!.at ? l + 1 : l;
      if (h[c]!.at >= last.at) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
  }
}
