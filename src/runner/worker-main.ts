/**
 * The body of a worker thread: it builds its scenario and executor from its WorkerInit, waits for
 * the common start, runs, and sends interval snapshots, raw rows and a final snapshot to the runner.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { epochToLocal, systemClock, type Clock } from '../core/clock.js';
import { PreciseClock } from '../core/precise-clock.js';
import { GauntletError } from '../core/errors.js';
import type { Executor } from '../load/executor.js';
import type { Scenario } from '../load/scenario.js';
import { createExecutor } from '../load/create-executor.js';
import { MetricsRegistry } from '../metrics/registry.js';
import { RequestLog } from '../metrics/request-log.js';
import { GeneratorMonitor } from './generator-monitor.js';
import { createScenario } from './scenario-registry.js';
import { osThreadId } from './thread-priority.js';
import type { FromWorker, ToWorker, WorkerInit } from './worker-protocol.js';

const port = parentPort!;
const init = workerData as WorkerInit;
const { plan, segment, workerIndex } = init;
/**
 * An open model's arrival schedule and the lateness probe ask for precise timers: a PreciseClock (a
 * helper thread) serves them within a few tenths of a millisecond where Node's timers fire 0–2 ms late. A closed model has
 * no schedule to keep and runs on Node's timers alone (no helper thread).
 */
const preciseClock = plan.parts.some((part) => part.executor.kind === 'open') ? new PreciseClock() : undefined;
const clock: Clock = preciseClock ?? systemClock;

function send(msg: FromWorker, transfer?: ArrayBuffer[]): void {
  port.postMessage(msg, transfer);
}

function failed(err: unknown): void {
  if (err instanceof GauntletError) send({ type: 'failed', message: err.message, code: err.code, ...(err.hint ? { hint: err.hint } : {}), exitCode: err.exitCode });
  else send({ type: 'failed', message: describe(err) });
}

/** describe renders a thrown value for a failure message; it never throws (user code can throw anything). */
function describe(err: unknown): string {
  try {
    return err instanceof Error ? (err.stack ?? err.message) : String(err);
  } catch {
    return 'a thrown value that cannot be shown';
  }
}

// What the process-level handlers below need of main()'s state.
const metrics = new MetricsRegistry();
/** monitor measures this worker's own load (generator_*), from t0 on. */
const monitor = new GeneratorMonitor(metrics, clock, plan.intervalMs);
const requestLog = plan.rawRows ? new RequestLog((rows) => send({ type: 'rows', rows }, [rows.buffer as ArrayBuffer])) : undefined;
const scenarios: Scenario[] = [];
const box: { executor?: Executor } = {};
let t0 = clock.now();
/** lastIndex is the index of the interval in progress. */
let lastIndex = 0;
let finalSent = false;
let doneSent = false;

/** sendFinal sends the final snapshot (interval `index`, ending at endMs), the error samples and the failure messages, once. */
function sendFinal(index: number, endMs = clock.now() - t0): void {
  if (finalSent) return;
  finalSent = true;
  requestLog?.flush();
  monitor.sample();
  monitor.stop();
  preciseClock?.close();
  send({ type: 'snapshot', index, snapshot: metrics.snapshot(), final: true, endMs: Math.max(0, endMs) });
  const samples = scenarios.flatMap((sc) => sc.errorSamples?.() ?? []);
  if (samples.length > 0) send({ type: 'errors', samples });
  const failures = metrics.failures.samples();
  if (failures.length > 0) send({ type: 'failures', samples: failures });
}

function sendDone(): void {
  doneSent = true;
  send({ type: 'done' });
}

/**
 * onUncaught takes an error that escaped user code's iterations (an unawaited rejection, a throw in
 * a timer): the scenario that runs user code counts and samples it, and the run goes on. Without
 * such a scenario it is Gauntlet's own error and fails the run.
 */
function onUncaught(err: unknown): void {
  const takers = scenarios.filter((s) => s.uncaught !== undefined);
  if (takers.length > 0) takers[0]!.uncaught!(err, takers.length === 1);
  else {
    failed(err);
    box.executor?.stop();
  }
}
process.on('uncaughtException', onUncaught);
process.on('unhandledRejection', onUncaught);

// In a worker thread process.exit() ends only the thread. User code calling it would lose what this
// worker recorded: send it first (messages posted here still reach the runner), and name the cause.
process.on('exit', (code) => {
  if (doneSent) return;
  sendFinal(lastIndex);
  send({ type: 'failed', message: `user code called process.exit(${code}) in worker ${workerIndex}` });
});

/** BOUNDARY_AFTER_MS puts an interval's snapshot just after the boundary: after an arrival due on it. */
const BOUNDARY_AFTER_MS = 0.05;

async function main(): Promise<void> {
  let startEpochMs = 0;
  let stopRequested: 'stop' | 'abort' | undefined;

  const started = new Promise<void>((resolve) => {
    port.on('message', (msg: ToWorker) => {
      if (msg.type === 'start') {
        startEpochMs = msg.startEpochMs;
        resolve();
      } else {
        stopRequested = stopRequested === 'abort' ? 'abort' : msg.type;
        if (msg.type === 'stop') box.executor?.stop();
        else box.executor?.abort();
        resolve();
      }
    });
  });

  // Build the scenario before the start so its set-up (a script's import) costs no run time.
  // t0 is known only at the start; each scenario reads it from its context then.
  const stop = (): void => box.executor?.stop();
  const post = (data: unknown): void => send({ type: 'data', data });
  const contexts = plan.parts.map((part) => ({ metrics, segment, workerIndex, openModel: part.executor.kind === 'open', clock, requestLog, t0: clock.now(), stop, post }));
  scenarios.push(...(await Promise.all(plan.parts.map((part, i) => createScenario(part.scenario, contexts[i]!).then((s) => offsetUsers(s, part.userOffset))))));
  await preciseClock?.ready;
  send({ type: 'ready', threads: [osThreadId(), preciseClock?.threadId].filter((id) => id !== undefined) });
  await started;
  if (stopRequested !== undefined) {
    sendFinal(0, 0);
    sendDone();
    return;
  }
  t0 = epochToLocal(startEpochMs);
  for (const c of contexts) c.t0 = t0;
  const executors: Executor[] = plan.parts.map((part, i) => {
    const ectx = { scenario: scenarios[i]!, segment, clock, t0, metrics, graceMs: plan.graceMs };
    return createExecutor(part.executor, ectx);
  });
  // Timers can fire a fraction of a millisecond early: wait until t0 has really passed, so no
  // iteration starts (and no raw row is stamped) before the run's start. A precise timer, where
  // the clock has them: an arrival due at t0 is due then, not up to 2 ms later.
  while (clock.now() < t0) await new Promise<void>((r) => clock.setTimer(r, t0 - clock.now(), true));
  const executor: Executor = {
    run: () => Promise.all(executors.map((e) => e.run())).then(() => undefined),
    stop: () => executors.forEach((e) => e.stop()),
    abort: () => executors.forEach((e) => e.abort()),
  };
  box.executor = executor;

  // One snapshot per interval boundary, aligned to the common t0 so every worker's interval k is the same span.
  // The boundary is a precise timer (where the clock has them) just after it, and the snapshot is
  // taken after that turn's I/O (defer): an arrival due on the boundary goes out first, and the main
  // thread merges the snapshot while this worker waits for the next one, not while one is due.
  let cancelTick: (() => void) | undefined;
  const snapshotNow = () => {
    requestLog?.flush();
    monitor.sample();
    send({ type: 'snapshot', index: lastIndex, snapshot: metrics.snapshot(), final: false, endMs: (lastIndex + 1) * plan.intervalMs });
    lastIndex++;
    armTick();
  };
  const armTick = () => {
    cancelTick = clock.setTimer(() => (cancelTick = clock.defer(snapshotNow)), t0 + (lastIndex + 1) * plan.intervalMs + BOUNDARY_AFTER_MS - clock.now(), true);
  };
  armTick();
  monitor.start();

  // A stop that came while waiting for t0 applies now.
  if (stopRequested === 'stop') executor.stop();
  if (stopRequested === 'abort') executor.abort();
  let runError: unknown;
  try {
    await executor.run();
  } catch (err) {
    runError = err;
  }
  // Callbacks user code left due (a timer that throws) run before the final snapshot, so they count.
  await new Promise((r) => setTimeout(r, 1));
  cancelTick?.();
  sendFinal(lastIndex);
  if (runError !== undefined) failed(runError);
  sendDone();
}

/** offsetUsers shifts a part's user indexes so users are unique across the parts of a plan. */
function offsetUsers(scenario: Scenario, offset: number): Scenario {
  if (offset === 0) return scenario;
  const inner = scenario.createUser.bind(scenario);
  return Object.assign(Object.create(scenario) as Scenario, { createUser: (i: number) => inner(i + offset) });
}

main().catch((err: unknown) => {
  failed(err);
  sendDone();
});
