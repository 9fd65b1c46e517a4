/**
 * The executor contract: every executor (built by createExecutor, as a worker builds it) runs the
 * same cases under a ManualClock, then each load model's own cases follow. Nothing here waits on
 * real time: the clock moves event by event, and between events the test only lets promises settle.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../core/manual-clock.js';
import { shareOf, splitSegment, wholeSegment, type Segment } from '../core/segments.js';
import { MetricsRegistry } from '../metrics/registry.js';
import { createExecutor } from './create-executor.js';
import type { Executor } from './executor.js';
import type { ClosedSpec, ExecutorSpec, OpenSpec } from './plan.js';
import type { Scenario, VirtualUser } from './scenario.js';

const T0 = 1000;

/** Start is one iteration as its user saw it begin. */
interface Start {
  readonly user: number;
  readonly iteration: number;
  readonly at: number;
  readonly scheduledAt: number;
}

/** FakeOptions says how long an iteration takes on the manual clock; `sync` finishes it inside run. */
interface FakeOptions {
  readonly serviceMs: number | ((user: number, iteration: number) => number);
  readonly sync?: boolean;
}

/** FakeScenario builds users that finish after a delay on the manual clock and records everything they see. */
class FakeScenario implements Scenario {
  readonly starts: Start[] = [];
  readonly created: number[] = [];
  readonly userCloses = new Map<number, number>();
  readonly problems: string[] = [];
  doneCalls = 0;
  aborts = 0;
  inFlight = 0;
  closes = 0;

  constructor(
    private readonly clock: ManualClock,
    private readonly options: FakeOptions,
  ) {}

  createUser(userIndex: number): Promise<VirtualUser> {
    this.created.push(userIndex);
    return Promise.resolve(this.user(userIndex));
  }

  close(): void {
    this.closes++;
    for (const u of this.created) if (this.userCloses.get(u) !== 1) this.problems.push(`scenario closed before user ${u}`);
  }

  private user(index: number): VirtualUser {
    let iteration = 0;
    let finish: ((aborted: boolean) => void) | undefined;
    let cancel: (() => void) | undefined;
    return {
      run: (scheduledAt, done) => {
        if (finish !== undefined) this.problems.push(`user ${index} run while busy`);
        this.starts.push({ user: index, iteration, at: this.clock.now(), scheduledAt });
        const ms = typeof this.options.serviceMs === 'number' ? this.options.serviceMs : this.options.serviceMs(index, iteration);
        iteration++;
        this.inFlight++;
        finish = (aborted) => {
          finish = undefined;
          cancel?.();
          cancel = undefined;
          this.inFlight--;
          this.doneCalls++;
          if (aborted) queueMicrotask(done);
          else done();
        };
        if (this.options.sync === true) finish(false);
        else cancel = this.clock.setTimer(() => finish?.(false), ms);
      },
      abort: () => {
        if (finish === undefined) return;
        this.aborts++;
        finish(true);
      },
      close: () => {
        this.userCloses.set(index, (this.userCloses.get(index) ?? 0) + 1);
      },
    };
  }
}

/** Worker is one executor over one segment, with its own scenario and metrics (as in a worker thread). */
interface Worker {
  readonly segment: Segment;
  readonly scenario: FakeScenario;
  readonly metrics: MetricsRegistry;
  readonly executor: Executor;
}

/** Run is a plan's executors over `workers` segments, all on one manual clock. */
class Run {
  readonly workers: Worker[];
  readonly done: Promise<void>;
  private settled = false;
  private error: unknown;

  constructor(
    readonly clock: ManualClock,
    spec: ExecutorSpec,
    options: FakeOptions & { workers?: number; graceMs?: number },
  ) {
    this.workers = splitSegment(wholeSegment, options.workers ?? 1).map((segment) => {
      const scenario = new FakeScenario(clock, options);
      const metrics = new MetricsRegistry();
      const executor = createExecutor(spec, { scenario, segment, clock, t0: T0, metrics, graceMs: options.graceMs ?? 1000 });
      return { segment, scenario, metrics, executor };
    });
    this.done = Promise.all(this.workers.map((w) => w.executor.run())).then(() => undefined);
    this.done.then(
      () => (this.settled = true),
      (err: unknown) => {
        this.settled = true;
        this.error = err;
      },
    );
  }

  stop(): void {
    for (const w of this.workers) w.executor.stop();
  }
  abort(): void {
    for (const w of this.workers) w.executor.abort();
  }

  /** runTo fires every event up to `t` (inclusive) and leaves the clock at `t`. */
  async runTo(t: number): Promise<void> {
    await settle();
    for (let at = this.clock.nextEventAt(); at !== undefined && at <= t; at = this.clock.nextEventAt()) {
      this.clock.advance(at - this.clock.now());
      await settle();
    }
    this.clock.advance(t - this.clock.now());
    await settle();
  }

  /** finish fires events until every executor's run resolved, and returns the time it did. */
  async finish(limit = T0 + 1_000_000): Promise<number> {
    await settle();
    while (!this.settled) {
      const at = this.clock.nextEventAt();
      if (at === undefined) throw new Error(`run is stuck at ${this.clock.now()}: nothing is scheduled on the clock`);
      if (at > limit) throw new Error(`run not over by ${limit}`);
      this.clock.advance(at - this.clock.now());
      await settle();
    }
    if (this.error !== undefined) throw this.error;
    return this.clock.now();
  }

  /** gauge adds a gauge's current value over the workers (as the merge of one interval does). */
  gauge(key: string): number {
    return this.workers.reduce((s, w) => s + w.metrics.gauge(key).value, 0);
  }

  count(key: string): number {
    return this.workers.reduce((s, w) => s + w.metrics.counter(key).value, 0);
  }
  get starts(): Start[] {
    return this.workers.flatMap((w) => w.scenario.starts).sort((a, b) => a.at - b.at || a.user - b.user);
  }
  sum(f: (s: FakeScenario) => number): number {
    return this.workers.reduce((s, w) => s + f(w.scenario), 0);
  }

  /**
   * audit checks the books once a run is over: every started iteration finished and was counted
   * once, every user was created in its worker's segment and closed once, then the scenario closed,
   * and nothing is left on the clock.
   */
  audit(): void {
    for (const w of this.workers) {
      const sc = w.scenario;
      assert.deepEqual(sc.problems, []);
      assert.equal(sc.inFlight, 0, 'no iteration is left in flight');
      assert.equal(sc.doneCalls, sc.starts.length, 'every started iteration finished');
      assert.equal(w.metrics.counter('iterations').value, sc.doneCalls, 'the iterations counter matches the finished iterations');
      assert.equal(new Set(sc.created).size, sc.created.length, 'user indexes are unique');
      for (const u of sc.created) {
        assert.equal(u % w.segment.count, w.segment.index, `user ${u} belongs to segment ${w.segment.index}/${w.segment.count}`);
        assert.equal(sc.userCloses.get(u), 1, `user ${u} closed once`);
      }
      assert.equal(sc.closes, 1, 'the scenario closed once');
      assert.equal(w.metrics.gauge('vus').value, 0, 'no user is left counted in the vus gauge');
      assert.equal(w.metrics.gauge('iterations_queued').value, 0, 'no arrival is left counted as queued');
    }
    assert.equal(this.clock.pending(), 0, 'nothing is left scheduled on the clock');
  }
}

/** settle lets pending promises run; it never waits on real time (one turn of the event loop). */
const settle = () => new Promise<void>((r) => setImmediate(r));

function closed(steps: ClosedSpec['steps'], rampUpMs = 0, thinkMs = 0): ClosedSpec {
  return { kind: 'closed', steps, rampUpMs, thinkMs };
}

function open(startRate: number, stages: OpenSpec['stages'], extra: Partial<OpenSpec> = {}): OpenSpec {
  return { kind: 'open', startRate, stages, connections: 30, maxQueue: 1000, ...extra };
}

/** Subject is one executor configuration of the shared table. */
interface Subject {
  readonly name: string;
  /** counted ends after exactly `n` iterations over all workers. */
  counted(n: number): ExecutorSpec;
  /** timed runs for `ms` from t0. */
  timed(ms: number): ExecutorSpec;
  /** todo names a contract case this executor is known to miss, with the reason. */
  readonly todo?: Readonly<Record<string, string>>;
}

const GRACE_AFTER_END = 'after the end, in-flight iterations get the grace period, then are aborted';
const ENDS_WITH_LAST_ITERATION = 'after the end, the run is over as soon as its in-flight iterations are';

const subjects: Subject[] = [
  {
    name: 'closed: 4 users in a loop',
    counted: (n) => closed([{ users: 4, iterations: n }]),
    timed: (ms) => closed([{ users: 4, durationMs: ms }]),
  },
  {
    name: 'closed: 6 users, ramp-up and think time',
    counted: (n) => closed([{ users: 6, iterations: n }], 100, 10),
    timed: (ms) => closed([{ users: 6, durationMs: ms }], 100, 10),
  },
  {
    name: 'open: constant rate',
    counted: (n) => open(100, [{ durationMs: Infinity, target: 100 }], { maxArrivals: n }),
    timed: (ms) => open(100, [{ durationMs: ms, target: 100 }]),
  },
  {
    name: 'open: ramping stages',
    counted: (n) => open(0, [{ durationMs: 200, target: 200 }, { durationMs: Infinity, target: 200 }], { maxArrivals: n }),
    timed: (ms) => open(100, [{ durationMs: ms / 2, target: 200 }, { durationMs: ms / 2, target: 50 }]),
  },
];

/** ContractCase is one shared case; it gets a fresh clock at T0 and the number of workers. */
interface ContractCase {
  readonly name: string;
  run(subject: Subject, clock: ManualClock, workers: number): Promise<void>;
}

/** stopPoint runs an endless plan to t0 + 125 ms with iterations in flight, and returns how many. */
async function stopPoint(run: Run): Promise<number> {
  await run.runTo(T0 + 125);
  const inFlight = run.sum((s) => s.inFlight);
  assert.ok(inFlight > 0, 'iterations are in flight at the stop');
  return inFlight;
}

const contract: ContractCase[] = [
  {
    name: 'run resolves, closes every user once and then the scenario',
    async run(subject, clock, workers) {
      const run = new Run(clock, subject.counted(12), { serviceMs: 5, workers });
      await run.finish();
      assert.ok(run.sum((s) => s.created.length) > 0);
      run.audit();
    },
  },
  {
    name: 'a count is exact over all workers, each running its own share',
    async run(subject, clock, workers) {
      for (const n of [1, 10, 37]) {
        const run = new Run(clock, subject.counted(n), { serviceMs: (u, i) => 3 + ((u + i) % 4), workers });
        await run.finish();
        run.audit();
        assert.equal(run.count('iterations'), n);
        assert.deepEqual(
          run.workers.map((w) => w.metrics.counter('iterations').value),
          run.workers.map((w) => shareOf(n, w.segment)),
        );
      }
    },
  },
  {
    name: 'a duration ends the run: no iteration starts at or after its end',
    async run(subject, clock, workers) {
      const run = new Run(clock, subject.timed(500), { serviceMs: 30, workers });
      await run.finish();
      run.audit();
      const starts = run.starts;
      assert.ok(starts.every((s) => s.at < T0 + 500 && s.scheduledAt < T0 + 500));
      assert.ok(starts.at(-1)!.at >= T0 + 450, `iterations started up to the end (last at ${starts.at(-1)!.at})`);
      assert.equal(run.sum((s) => s.aborts), 0);
    },
  },
  {
    name: ENDS_WITH_LAST_ITERATION,
    async run(subject, clock, workers) {
      const run = new Run(clock, subject.timed(500), { serviceMs: 30, workers });
      const end = await run.finish();
      run.audit();
      const lastEnd = Math.max(...run.starts.map((s) => s.at + 30));
      assert.equal(end, Math.max(T0 + 500, lastEnd), 'the run ends at its end or with its last iteration');
    },
  },
  {
    name: GRACE_AFTER_END,
    async run(subject, clock, workers) {
      const run = new Run(clock, subject.timed(500), { serviceMs: 10_000, workers, graceMs: 100 });
      const end = await run.finish();
      run.audit();
      assert.equal(end, T0 + 500 + 100);
      assert.ok(run.sum((s) => s.aborts) > 0);
    },
  },
  {
    name: 'stop: no new iterations, in-flight ones finish within the grace period',
    async run(subject, clock, workers) {
      const run = new Run(clock, subject.timed(60_000), { serviceMs: 50, workers, graceMs: 1000 });
      await stopPoint(run);
      const started = run.starts.length;
      run.stop();
      const end = await run.finish();
      run.audit();
      assert.equal(run.starts.length, started, 'no iteration started after the stop');
      assert.equal(run.sum((s) => s.aborts), 0, 'nothing was aborted');
      assert.ok(end <= T0 + 125 + 50, `ended at ${end}`);
    },
  },
  {
    name: 'grace over: in-flight iterations are aborted when it ends',
    async run(subject, clock, workers) {
      const run = new Run(clock, subject.timed(60_000), { serviceMs: 10_000, workers, graceMs: 100 });
      const inFlight = await stopPoint(run);
      run.stop();
      const end = await run.finish();
      run.audit();
      assert.equal(end, T0 + 125 + 100, 'the run ends when the grace period does');
      assert.equal(run.sum((s) => s.aborts), inFlight, 'every in-flight iteration was aborted');
    },
  },
  {
    name: 'abort: in-flight iterations end at once',
    async run(subject, clock, workers) {
      const run = new Run(clock, subject.timed(60_000), { serviceMs: 10_000, workers, graceMs: 10_000 });
      const inFlight = await stopPoint(run);
      run.abort();
      assert.equal(run.sum((s) => s.aborts), inFlight, 'abort() aborts every in-flight iteration before it returns');
      const end = await run.finish();
      run.audit();
      assert.equal(end, T0 + 125, 'no clock time passed');
      assert.equal(run.sum((s) => s.aborts), inFlight);
    },
  },
  {
    name: 'nothing recorded is lost: a stop halfway through a count keeps every finished iteration',
    async run(subject, clock, workers) {
      const run = new Run(clock, subject.counted(1000), { serviceMs: (u, i) => 5 + ((u * 7 + i) % 11), workers, graceMs: 1000 });
      await run.runTo(T0 + 333);
      run.stop();
      await run.finish();
      run.audit();
      const iterations = run.count('iterations');
      assert.ok(iterations > 0 && iterations < 1000, `iterations ${iterations}`);
      assert.equal(iterations, run.sum((s) => s.doneCalls));
    },
  },
  {
    name: 'a stop before the first event still resolves and closes everything',
    async run(subject, clock, workers) {
      const run = new Run(clock, subject.timed(60_000), { serviceMs: 50, workers });
      run.stop();
      const end = await run.finish();
      run.audit();
      assert.ok(end <= T0 + 50, `ended at ${end}`);
    },
  },
];

for (const subject of subjects) {
  for (const workers of [1, 3]) {
    for (const c of contract) {
      const todo = subject.todo?.[c.name];
      test(`${subject.name}, ${workers} worker(s): ${c.name}`, todo !== undefined ? { todo } : {}, () => c.run(subject, new ManualClock(T0), workers));
    }
  }
}

// ---- The closed model (UserLoopExecutor) ----

test('closed: iterationsPerUser runs every user exactly that many times, across workers', async () => {
  const run = new Run(new ManualClock(T0), closed([{ users: 5, iterationsPerUser: 3 }]), { serviceMs: (u) => 10 + u, workers: 3 });
  await run.finish();
  run.audit();
  const perUser = new Map<number, number>();
  for (const s of run.starts) perUser.set(s.user, (perUser.get(s.user) ?? 0) + 1);
  assert.deepEqual([...perUser.entries()].sort((a, b) => a[0] - b[0]), [0, 1, 2, 3, 4].map((u) => [u, 3]));
});

test('closed: ramp-up starts users evenly by global index, interleaved across workers', async () => {
  const run = new Run(new ManualClock(T0), closed([{ users: 6, durationMs: 2000 }], 600), { serviceMs: 1000, workers: 3 });
  await run.finish();
  run.audit();
  const first = run.starts.filter((s) => s.iteration === 0);
  assert.deepEqual(
    first.map((s) => [s.user, s.at]),
    [0, 1, 2, 3, 4, 5].map((g) => [g, T0 + g * 100]),
  );
});

test('closed: the vus gauge counts the users that began, through a ramp-up and the steps of a cycle, across workers', async () => {
  // 6 users over a 600 ms ramp-up (one every 100 ms), then a step of 9; iterations take 50 ms, think 30 ms.
  const steps = [
    { users: 6, durationMs: 1000 },
    { users: 9, durationMs: 1000 },
  ];
  const run = new Run(new ManualClock(T0), closed(steps, 600, 30), { serviceMs: 50, workers: 2 });
  const seen: [number, number][] = [];
  for (const at of [50, 150, 250, 450, 550, 800, 1150, 1500, 1900]) {
    await run.runTo(T0 + at);
    seen.push([at, run.gauge('vus')]);
  }
  assert.deepEqual(seen, [
    [50, 1],
    [150, 2],
    [250, 3],
    [450, 5],
    [550, 6],
    [800, 6],
    // The second step ramps its 9 users over 600 ms from its start: user g begins at g/9 of it.
    [1150, 3],
    [1500, 8],
    [1900, 9],
  ]);
  // The gauge keeps its most since the last snapshot (none was taken here).
  assert.equal(
    run.workers.reduce((s, w) => s + w.metrics.gauge('vus').max, 0),
    9,
  );
  await run.finish();
  run.audit();
});

test('closed: cycles 10:20:30 run in order, each step with its user count', async () => {
  const steps = [10, 20, 30].map((users) => ({ users, durationMs: 300 }));
  const run = new Run(new ManualClock(T0), closed(steps), { serviceMs: 100, workers: 3 });
  await run.finish();
  run.audit();
  for (const [k, users] of [10, 20, 30].entries()) {
    const inStep = run.starts.filter((s) => s.at >= T0 + 300 * k && s.at < T0 + 300 * (k + 1));
    assert.deepEqual([...new Set(inStep.map((s) => s.user))].sort((a, b) => a - b), Array.from({ length: users }, (_, u) => u), `step ${k}`);
    assert.equal(inStep.length, users * 3, `step ${k}: three iterations per user`);
  }
  assert.equal(run.count('iterations'), 180);
});

test('closed: a step end before the last waits for in-flight iterations; the last one gives them the grace period', async () => {
  // Two steps of 100 ms with the same two users, 300 ms per iteration, 50 ms of grace.
  const run = new Run(new ManualClock(T0), closed([{ users: 2, durationMs: 100 }, { users: 2, durationMs: 100 }]), { serviceMs: 300, workers: 2, graceMs: 50 });
  const end = await run.finish();
  run.audit();
  assert.deepEqual(
    run.starts.map((s) => [s.user, s.iteration, s.at - T0]),
    [
      [0, 0, 0],
      [1, 0, 0],
      [0, 1, 300],
      [1, 1, 300],
    ],
    'the second step starts when the iterations of the first are over',
  );
  assert.equal(run.sum((s) => s.aborts), 2, 'only the iterations of the last step are aborted');
  assert.equal(end, T0 + 300 + 100 + 50, 'the run ends a grace period after the end of the last step');
});

test('closed: think time is the gap between the end of a user iteration and its next start', async () => {
  const run = new Run(new ManualClock(T0), closed([{ users: 2, iterationsPerUser: 4 }], 0, 200), { serviceMs: 50, workers: 2 });
  await run.finish();
  run.audit();
  for (const u of [0, 1]) {
    const at = run.starts.filter((s) => s.user === u).map((s) => s.at);
    assert.deepEqual(at, [0, 250, 500, 750].map((t) => T0 + t), `user ${u}`);
  }
});

test('closed: a user whose iteration ends after its step ends leaves at once, without its think time', async () => {
  // Two steps of 100 ms, one user, 120 ms per iteration, 50 ms of think time: each iteration ends past its step's end.
  const run = new Run(new ManualClock(T0), closed([{ users: 1, durationMs: 100 }, { users: 1, durationMs: 100 }], 0, 50), { serviceMs: 120 });
  const end = await run.finish();
  run.audit();
  assert.deepEqual(
    run.starts.map((s) => s.at - T0),
    [0, 120],
    'the second step starts as the iteration of the first ends',
  );
  assert.equal(end, T0 + 240);
});

test('closed: a user whose count is spent leaves at once, without its think time', async () => {
  for (const step of [{ users: 2, iterationsPerUser: 2 }, { users: 2, iterations: 3 }]) {
    // 50 ms per iteration, 100 ms of think time: iterations run at 0 and 150 and the last ends at 200.
    const run = new Run(new ManualClock(T0), closed([step], 0, 100), { serviceMs: 50, workers: 2 });
    const end = await run.finish();
    run.audit();
    assert.equal(Math.max(...run.starts.map((s) => s.at - T0)), 150);
    assert.equal(end, T0 + 200, JSON.stringify(step));
  }
});

test('closed: a user that never waits yields every 256 iterations through clock.defer', async () => {
  const clock = new ManualClock(T0);
  const run = new Run(clock, closed([{ users: 1, iterationsPerUser: 600 }]), { serviceMs: 0, sync: true });
  for (let i = 0; i < 5; i++) await settle();
  assert.equal(run.count('iterations'), 256, 'after 256 iterations the user waits for the clock');
  clock.advance(0);
  await settle();
  assert.equal(run.count('iterations'), 512);
  assert.equal(await run.finish(), T0, 'no clock time passed');
  assert.equal(run.count('iterations'), 600);
  run.audit();
});

test('closed: a count is exact even when a step has fewer users than workers', async () => {
  // -n 10 --cycles 1:3 and -n 11 --cycles 2:3 on three workers: a worker with no user of a step gets none of its count.
  const cases = [
    { n: 10, users: [1, 3], perWorker: [10 + 4, 0 + 3, 0 + 3] },
    { n: 11, users: [2, 3], perWorker: [6 + 4, 5 + 4, 0 + 3] },
  ];
  for (const { n, users, perWorker } of cases) {
    const run = new Run(new ManualClock(T0), closed(users.map((u) => ({ users: u, iterations: n }))), { serviceMs: 5, workers: 3 });
    await run.finish();
    run.audit();
    assert.equal(run.count('iterations'), 2 * n);
    assert.deepEqual(
      run.workers.map((w) => w.metrics.counter('iterations').value),
      perWorker,
      `cycles ${users.join(':')}`,
    );
  }
});

// ---- The open model (ArrivalExecutor) ----

test('open: arrival i is due at t0 + i/rate, and a queued arrival keeps its due time', async () => {
  // 10/s over 1 s on three workers with one connection each; 350 ms per iteration makes arrivals wait.
  const run = new Run(new ManualClock(T0), open(10, [{ durationMs: 1000, target: 10 }], { connections: 3 }), { serviceMs: 350, workers: 3 });
  await run.finish();
  run.audit();
  const starts = run.starts;
  assert.deepEqual(
    starts.map((s) => s.scheduledAt).sort((a, b) => a - b),
    Array.from({ length: 10 }, (_, i) => T0 + i * 100),
  );
  assert.ok(starts.every((s) => s.at >= s.scheduledAt));
  assert.ok(starts.filter((s) => s.at > s.scheduledAt).length >= 2, 'some arrivals waited for their connection');
  assert.equal(run.count('dropped_iterations'), 0);
});

test('open: ramps and stages put arrival i where the integral of the rate reaches i', async () => {
  // 0 -> 20/s over 1 s (10 arrivals), 20/s for 1 s (20), 20 -> 0/s over 1 s (10): 40 in all.
  const expected = (i: number): number => {
    if (i < 10) return Math.sqrt(i / 10) * 1000;
    if (i < 30) return 1000 + ((i - 10) / 20) * 1000;
    return 2000 + (1 - Math.sqrt(1 - (i - 30) / 10)) * 1000;
  };
  for (const workers of [1, 3]) {
    const stages = [
      { durationMs: 1000, target: 20 },
      { durationMs: 1000, target: 20 },
      { durationMs: 1000, target: 0 },
    ];
    const run = new Run(new ManualClock(T0), open(0, stages), { serviceMs: 5, workers });
    await run.finish();
    run.audit();
    const due = run.starts.map((s) => s.scheduledAt).sort((a, b) => a - b);
    assert.equal(due.length, 40);
    due.forEach((t, i) => assert.ok(Math.abs(t - (T0 + expected(i))) < 1e-6, `arrival ${i} at ${t - T0}, expected ${expected(i)}`));
    assert.ok(run.starts.every((s) => s.at === s.scheduledAt), 'with free connections every arrival starts on time');
  }
});

test('open: past --max-queue arrivals are dropped and counted in dropped_iterations', async () => {
  // 10 arrivals, one connection busy for 1 s each, room for two in the queue: 3 run, 7 are dropped.
  const run = new Run(new ManualClock(T0), open(10, [{ durationMs: 1000, target: 10 }], { connections: 1, maxQueue: 2 }), { serviceMs: 1000, graceMs: 10_000 });
  const end = await run.finish();
  run.audit();
  assert.equal(run.count('iterations'), 3);
  assert.equal(run.count('dropped_iterations'), 7);
  assert.deepEqual(
    run.starts.map((s) => [s.scheduledAt - T0, s.at - T0]),
    [
      [0, 0],
      [100, 1000],
      [200, 2000],
    ],
  );
  assert.equal(end, T0 + 3000);
});

test('open: the vus gauge counts iterations in flight, iterations_queued the arrivals waiting for a user', async () => {
  // 10/s for 1 s, two connections busy 1 s each: at 450 ms two are in flight and three wait.
  const run = new Run(new ManualClock(T0), open(10, [{ durationMs: 1000, target: 10 }], { connections: 2, maxQueue: 100 }), { serviceMs: 1000, graceMs: 10_000 });
  await run.runTo(T0 + 450);
  assert.deepEqual([run.gauge('vus'), run.gauge('iterations_queued')], [2, 3]);
  await run.runTo(T0 + 1050);
  // At 1000 the first finished and took the oldest queued one; arrivals 5..9 came meanwhile: 10 - 3 started = 7 wait.
  assert.deepEqual([run.gauge('vus'), run.gauge('iterations_queued')], [2, 7]);
  await run.finish();
  run.audit();
  assert.equal(run.count('iterations'), 10);
});

test('open: a stop drops the queued arrivals, and every due arrival is run or dropped', async () => {
  const run = new Run(new ManualClock(T0), open(10, [{ durationMs: 1000, target: 10 }], { connections: 1, maxQueue: 2 }), { serviceMs: 1000, graceMs: 10_000 });
  await run.runTo(T0 + 450);
  assert.equal(run.count('dropped_iterations'), 2, 'arrivals 3 and 4 found the queue full');
  run.stop();
  assert.equal(run.count('dropped_iterations'), 4, 'the two queued arrivals are dropped at the stop');
  await run.finish();
  run.audit();
  assert.equal(run.starts.length, 1, 'no queued arrival started after the stop');
  assert.equal(run.count('iterations') + run.count('dropped_iterations'), 5, 'arrivals 0..4 were due');
});

test('open: under overload every arrival is run or dropped, across workers', async () => {
  const run = new Run(new ManualClock(T0), open(100, [{ durationMs: 1000, target: 100 }], { connections: 3, maxQueue: 6 }), { serviceMs: 100, workers: 3, graceMs: 10_000 });
  await run.finish();
  run.audit();
  const dropped = run.count('dropped_iterations');
  assert.ok(dropped > 0, `dropped ${dropped}`);
  assert.equal(run.count('iterations') + dropped, 100);
});

test('open: the grace period counts from the end of a timed schedule, from the last arrival of a counted one, or from a stop', async () => {
  // 20/s down to 0 over 1 s: 10 arrivals, the last due at 684 ms; every iteration takes 10 s, grace 100 ms.
  const timed = new Run(new ManualClock(T0), open(20, [{ durationMs: 1000, target: 0 }]), { serviceMs: 10_000, workers: 3, graceMs: 100 });
  assert.equal(await timed.finish(), T0 + 1000 + 100, 'grace from the end of the schedule');
  timed.audit();
  assert.equal(timed.sum((s) => s.aborts), 10);

  // The same rate with a count of 5: the last arrival is due at about 225 ms and the count ends the schedule there.
  const counted = new Run(new ManualClock(T0), open(20, [{ durationMs: 1000, target: 0 }], { maxArrivals: 5 }), { serviceMs: 10_000, workers: 3, graceMs: 100 });
  const end = await counted.finish();
  counted.audit();
  const last = Math.max(...counted.starts.map((s) => s.scheduledAt));
  assert.ok(last > T0 + 200 && last < T0 + 300, `last arrival at ${last - T0}`);
  assert.equal(end, last + 100, 'grace from the last arrival');

  // A stop after the last arrival but before the end of the schedule: grace from the stop.
  const stopped = new Run(new ManualClock(T0), open(20, [{ durationMs: 1000, target: 0 }]), { serviceMs: 10_000, workers: 3, graceMs: 100 });
  await stopped.runTo(T0 + 800);
  stopped.stop();
  assert.equal(await stopped.finish(), T0 + 800 + 100, 'grace from the stop');
  stopped.audit();
  assert.equal(stopped.sum((s) => s.aborts), 10);
});
