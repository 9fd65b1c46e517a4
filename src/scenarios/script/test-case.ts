import { setTimeout as delay } from 'node:timers/promises';
import type { HttpSession } from './http-session.js';
import type { WsOptions, WsSession } from './ws-session.js';

/** UserInfo says who is running: the global user index (0-based, unique across workers) and its iteration. */
export interface UserInfo {
  readonly id: number;
  /** iteration counts this user's iterations from 0. */
  readonly iteration: number;
}

/** CustomMetrics records a script's own metrics next to the built-in ones. */
export interface CustomMetrics {
  /** add records a value into the trend `name` (count, mean and percentiles in the summary). */
  add(name: string, value: number, tags?: Record<string, string>): void;
  /** count adds `n` (1 by default) to the counter `name`. */
  count(name: string, n?: number, tags?: Record<string, string>): void;
}

/**
 * StartupContext is what `static startup` and `static shutdown` receive: the target, the test's
 * options and an HTTP session bound to the target (its requests are not counted in the results).
 */
export interface StartupContext<Options = Record<string, unknown>> {
  readonly target: string | undefined;
  readonly options: Options;
  /** test is the test's name (its export name unless the config named it). */
  readonly test: string;
  readonly http: HttpSession;
}

/**
 * TestRuntime is what the engine binds to a TestCase instance: the user's session, identity, data
 * and the recording functions. Scripts never build one; `TestCase` reads it.
 */
export interface TestRuntime {
  readonly http: HttpSession;
  readonly user: UserInfo;
  readonly shared: unknown;
  readonly options: object;
  /** data is the feeder row of the current iteration (undefined without `--data`). */
  readonly data: Readonly<Record<string, string>> | undefined;
  readonly metrics: CustomMetrics;
  sleep(ms: number): Promise<void>;
  ws(url: string, options?: WsOptions): Promise<WsSession>;
  check(name: string, condition: unknown): boolean;
}

/** TESTCASE_BRAND marks TestCase classes, so a script's classes are found even across module copies. */
export const TESTCASE_BRAND = Symbol.for('gauntlet.TestCase');

let binding: TestRuntime | undefined;

/**
 * TestCase is the base class of a scripted load test (pysurge's TestCase with Mozilla Loads'
 * session). Gauntlet builds one instance per virtual user and calls, in order: `userStart` once,
 * then per iteration `setup`, `run`, `teardown` (teardown always, also after a throw), and
 * `userStop` once when the user retires. `static startup` runs once per run (in the main process,
 * not per worker) before any user starts; its JSON result is `this.shared` everywhere, and `static
 * shutdown` runs once at the end, also after failures and Ctrl-C. An exception in an iteration is
 * counted by message with a sample stack and the run goes on.
 *
 * The instance's `http`, `user`, `data` and `shared` are bound when Gauntlet constructs it, so they
 * can be used in a subclass constructor too.
 */
export abstract class TestCase<Options extends object = Record<string, unknown>, Shared = unknown> {
  static readonly [TESTCASE_BRAND] = true;
  /** startup runs once per run before any user starts; what it returns becomes `this.shared` (JSON). */
  static startup?(ctx: StartupContext): unknown;
  /** shutdown runs once per run after the last iteration, also after a failed startup or Ctrl-C. */
  static shutdown?(ctx: StartupContext, shared: unknown): unknown;
  /** weight sets the share of users running this test when a run mixes tests (Locust's weight). */
  static weight?: number;

  readonly #rt: TestRuntime;
  readonly #options: Options;

  constructor(options?: Options) {
    this.#rt = binding ?? detachedRuntime();
    this.#options = (options ?? this.#rt.options) as Options;
  }

  /** options are the test's options (the config's `options:` or the constructor's argument). */
  get options(): Options {
    return this.#options;
  }
  /** shared is what `static startup` returned, the same read-only JSON value in every user. */
  get shared(): Shared {
    return this.#rt.shared as Shared;
  }
  /** user is the global user index and the current iteration. */
  get user(): UserInfo {
    return this.#rt.user;
  }
  /** data is this iteration's feeder row (column name to value), or undefined without data. */
  get data(): Readonly<Record<string, string>> | undefined {
    return this.#rt.data;
  }
  /** http is this user's session bound to the target: cookies, default headers, metrics. */
  get http(): HttpSession {
    return this.#rt.http;
  }
  /** metrics records custom trends and counters. */
  get metrics(): CustomMetrics {
    return this.#rt.metrics;
  }

  /** userStart runs once when the virtual user starts (log in, open a socket). */
  userStart(): void | Promise<void> {}
  /** userStop runs once when the virtual user retires (if userStart succeeded). */
  userStop(): void | Promise<void> {}
  /** setup runs before every iteration; if it throws, `run` is skipped and `teardown` still runs. */
  setup(): void | Promise<void> {}
  /** teardown runs after every iteration, also when `setup` or `run` threw. */
  teardown(): void | Promise<void> {}
  /** run is one iteration of the test. */
  abstract run(): void | Promise<void>;

  /** sleep waits `ms` milliseconds (think time); it rejects when the run is aborted. */
  sleep(ms: number): Promise<void> {
    return this.#rt.sleep(ms);
  }
  /** ws opens a WebSocket (relative URLs resolve against the target) and resolves once it is open. */
  ws(url: string, options?: WsOptions): Promise<WsSession> {
    return this.#rt.ws(url, options);
  }
  /** check records a named check as passed (truthy condition) or failed; it returns the verdict. */
  check(name: string, condition: unknown): boolean {
    return this.#rt.check(name, condition);
  }
}

/** TestCaseClass is a concrete TestCase subclass as a script exports it. */
export interface TestCaseClass {
  new (options?: object): TestCase<object, unknown>;
  startup?(ctx: StartupContext): unknown;
  shutdown?(ctx: StartupContext, shared: unknown): unknown;
  weight?: number;
}

/** isTestCaseClass says whether a script export is a TestCase subclass (by brand, across module copies). */
export function isTestCaseClass(value: unknown): value is TestCaseClass {
  return typeof value === 'function' && (value as unknown as Record<symbol, unknown>)[TESTCASE_BRAND] === true && value !== TestCase;
}

/**
 * constructTestCase builds an instance bound to a runtime. The runtime is handed to the base
 * constructor through a module variable, so it is bound before a subclass constructor's body runs.
 */
export function constructTestCase(cls: TestCaseClass, options: object, rt: TestRuntime): TestCase<object, unknown> {
  binding = rt;
  try {
    return new cls(options);
  } finally {
    binding = undefined;
  }
}

function detachedRuntime(): TestRuntime {
  const missing = (what: string) => () => {
    throw new Error(`${what} is only available when Gauntlet runs the test`);
  };
  return {
    get http(): HttpSession {
      return missing('this.http')();
    },
    user: { id: 0, iteration: 0 },
    shared: undefined,
    options: {},
    data: undefined,
    metrics: { add() {}, count() {} },
    sleep: (ms) => delay(ms),
    ws: missing('this.ws'),
    check: (_name, condition) => Boolean(condition),
  };
}
