import { setTimeout as delay } from 'node:timers/promises';
import type { VirtualUser } from '../../load/scenario.js';
import type { DataFeeder } from './data-feeder.js';
import type { ErrorSamples } from './error-samples.js';
import type { HttpMetrics } from '../../metrics/http-metrics.js';
import { HttpSession, type HttpSessionOptions } from './http-session.js';
import type { ScriptMetrics, TestCounters } from './script-metrics.js';
import { constructTestCase, TestCase, type TestCaseClass, type TestRuntime } from './test-case.js';
import { WsSession, type WsMetrics, type WsOptions } from './ws-session.js';

/** ScriptWorld is what all users of one worker share: metrics, feeder, session settings. */
export interface ScriptWorld {
  readonly openModel: boolean;
  readonly http: HttpMetrics;
  readonly ws: WsMetrics;
  readonly script: ScriptMetrics;
  readonly errors: ErrorSamples;
  readonly feeder: DataFeeder | undefined;
  readonly session: HttpSessionOptions;
}

/** ScriptTest is one resolved test of the spec: its class and what every instance gets. */
export interface ScriptTest {
  readonly name: string;
  readonly cls: TestCaseClass;
  readonly options: Readonly<Record<string, unknown>>;
  readonly shared: unknown;
}

type Hook = () => void | Promise<void>;
const now = () => performance.now();

/**
 * ScriptUser is one virtual user running a TestCase: it builds the instance and runs `userStart` on
 * its first iteration (again on the next one if userStart threw), then per iteration `setup`, `run`
 * and `teardown` (teardown always), and `userStop` on close if userStart succeeded. A throw is
 * counted and sampled and the next iteration runs. An iteration that threw, or had a request not as
 * expected or a failed check, counts in `iterations_failed`. WebSockets opened in an iteration are closed at
 * its end; those opened in userStart live until close. Hooks left as TestCase's no-ops are skipped.
 */
export class ScriptUser implements VirtualUser {
  private readonly world: ScriptWorld;
  private readonly test: ScriptTest;
  private readonly counters: TestCounters;
  private readonly http: HttpSession;
  private readonly rt: TestRuntime & { user: { id: number; iteration: number }; data: Readonly<Record<string, string>> | undefined };
  private readonly userSockets = new Set<WsSession>();
  private readonly iterationSockets = new Set<WsSession>();
  private inIteration = false;
  private instance: TestCase<object, unknown> | undefined;
  private started = false;
  private iteration = 0;
  /** checksFailed counts this user's failed checks, so an iteration can tell it had one. */
  private checksFailed = 0;
  private aborted = false;
  private readonly ac = new AbortController();
  private hooks: { setup: Hook | undefined; teardown: Hook | undefined } = { setup: undefined, teardown: undefined };

  constructor(world: ScriptWorld, test: ScriptTest, userIndex: number) {
    this.world = world;
    this.test = test;
    this.counters = world.script.test(test.name);
    this.http = new HttpSession(world.session, world.http);
    this.rt = {
      http: this.http,
      user: { id: userIndex, iteration: 0 },
      shared: test.shared,
      options: test.options,
      // The first row is there from the start (userStart logs in with it); a unique row must exist now.
      data: world.feeder?.row(userIndex, 0),
      metrics: world.script,
      sleep: (ms) => delay(Math.max(0, ms), undefined, { signal: this.ac.signal }),
      ws: (url, options) => this.openWs(url, options),
      check: (name, condition) => {
        const passed = world.script.check(name, condition);
        if (!passed) this.checksFailed++;
        return passed;
      },
    };
  }

  run(scheduledAt: number, done: () => void): void {
    const calledAt = now();
    this.iterate(calledAt, this.world.openModel && scheduledAt < calledAt ? calledAt - scheduledAt : 0).then(done, done);
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.ac.abort();
    this.http.abort();
    for (const s of [...this.userSockets, ...this.iterationSockets]) s.terminate();
  }

  async close(): Promise<void> {
    if (this.started && this.instance !== undefined && this.instance.userStop !== TestCase.prototype.userStop) {
      try {
        await this.instance.userStop();
      } catch (err) {
        if (!this.aborted) this.world.errors.record(err, this.test.name, 'userStop');
      }
    }
    for (const s of [...this.userSockets, ...this.iterationSockets]) s.close();
    this.http.close();
  }

  private async iterate(calledAt: number, queueDelay: number): Promise<void> {
    const w = this.world;
    let failed = false;
    const iteration = this.iteration++;
    const requestFailuresBefore = this.http.failures;
    const checkFailuresBefore = this.checksFailed;
    if (!this.started) {
      try {
        await this.start();
      } catch (err) {
        failed = true;
        if (!this.aborted) w.errors.record(err, this.test.name, this.instance === undefined ? 'constructor' : 'userStart');
      }
    }
    const t0 = failed ? calledAt : now();
    if (!failed) {
      const inst = this.instance!;
      this.rt.user.iteration = iteration;
      if (w.feeder !== undefined) this.rt.data = w.feeder.row(this.rt.user.id, iteration);
      this.http.queueDelayMs = queueDelay;
      this.inIteration = true;
      let hook = 'setup';
      try {
        if (this.hooks.setup !== undefined) {
          const s = this.hooks.setup.call(inst);
          if (s !== undefined) await s;
        }
        hook = 'run';
        const r = inst.run();
        if (r !== undefined) await r;
      } catch (err) {
        failed = true;
        if (!this.aborted) w.errors.record(err, this.test.name, hook);
      }
      if (this.hooks.teardown !== undefined) {
        try {
          const t = this.hooks.teardown.call(inst);
          if (t !== undefined) await t;
        } catch (err) {
          failed = true;
          if (!this.aborted) w.errors.record(err, this.test.name, 'teardown');
        }
      }
      this.inIteration = false;
      this.http.queueDelayMs = 0;
      if (this.iterationSockets.size > 0) for (const s of [...this.iterationSockets]) s.close();
    }
    if (this.aborted) return;
    const ms = now() - t0 + queueDelay;
    w.script.iterationDuration.record(ms);
    this.counters.iterations.value++;
    this.counters.duration.record(ms);
    if (failed) {
      w.script.iterationErrors.value++;
      this.counters.errors.value++;
    }
    // An iteration fails if it threw, or a request of it did not end as expected, or a check of it failed.
    if (failed || this.http.failures !== requestFailuresBefore || this.checksFailed !== checkFailuresBefore) {
      w.script.iterationsFailed.value++;
      this.counters.failed.value++;
    }
  }

  private async start(): Promise<void> {
    if (this.instance === undefined) {
      this.instance = constructTestCase(this.test.cls, this.test.options, this.rt);
      const proto = TestCase.prototype;
      this.hooks = { setup: this.instance.setup === proto.setup ? undefined : this.instance.setup, teardown: this.instance.teardown === proto.teardown ? undefined : this.instance.teardown };
    }
    if (this.instance.userStart !== TestCase.prototype.userStart) await this.instance.userStart();
    this.started = true;
  }

  private async openWs(url: string, options: WsOptions = {}): Promise<WsSession> {
    if (this.aborted) throw new Error('ws: the run was aborted');
    const set = this.inIteration ? this.iterationSockets : this.userSockets;
    const s = await WsSession.open(wsUrl(url, this.world.session.target), options, this.world.ws, (x) => set.delete(x));
    if (this.aborted) s.terminate();
    else set.add(s);
    return s;
  }
}

/** wsUrl resolves a WebSocket URL: absolute ws(s):// or http(s):// URLs as given, paths against the target. */
function wsUrl(url: string, target: string | undefined): string {
  if (/^wss?:\/\//i.test(url)) return url;
  if (/^https?:\/\//i.test(url)) return url.replace(/^http/i, 'ws');
  if (target === undefined) throw new Error(`ws: '${url}' is relative but no target is set (use --target or a ws:// URL)`);
  const base = new URL(target);
  const u = new URL(url.startsWith('/') ? base.pathname.replace(/\/+$/, '') + url : url, base);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.href;
}
