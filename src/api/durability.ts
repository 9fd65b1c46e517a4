import { parseDuration } from '../core/duration.js';
import { ExitCode, GauntletError, usageError } from '../core/errors.js';
import type { Plan } from '../load/plan.js';
import type { Reporter } from '../report/reporter.js';
import type { RunResult } from '../metrics/run-result.js';
import type { Threshold } from '../metrics/thresholds.js';
import { DEFAULT_CLIENT_TIMEOUT_MS, makeBehaviour } from '../durability/behaviours.js';
import { durabilityOf } from '../scenarios/durability/durability-figures.js';
import { DEFAULT_ITERATIONS, resolveDurabilityPlan } from '../scenarios/durability/durability-plan.js';
import { startDurabilityRun } from './durability-run.js';
import type { Matrix, MatrixCell } from '../scenarios/durability/matrix.js';
import { MATRIX_FORMAT } from '../scenarios/durability/matrix.js';
import { parseMix, type MixEntry } from '../durability/parse-mix.js';
import { parsePolicy, type Policy } from '../durability/policies.js';
import { getReadyTest } from '../durability/ready-tests.js';
import { parseServerSpec, type ServerSpec } from '../durability/servers/parse-server-spec.js';
import type { RunningServer, ServerStopReport } from '../durability/servers/server-adapter.js';
import { SERVER_ADAPTERS } from '../durability/servers/server-registry.js';
import type { LoadOptions } from '../load/load-options.js';
import type { RunHandle, StartRunOptions } from './start-run.js';
import type { DistributedRunOptions } from './distributed-run.js';

/** DurabilityAgents say where a durability run's requests go out from: N agents over NATS (see startDistributedRun). */
export type DurabilityAgents = Omit<DistributedRunOptions, keyof StartRunOptions>;

/** BASIC_MIX is Labour's basic test: 98 plain, 1 sleep of 0.5 s, 1 plain that should get a 500. */
export const BASIC_MIX = 'plain:98,sleep(seconds=0.5):1,plain(status=500):1';
/** BASIC_ITERATIONS is the request count of `gauntlet basic` (Labour's 512). */
export const BASIC_ITERATIONS = 512;

/** TestChoice is what one column of a run sends: a ready test (or a custom mix) and its policy. */
export interface TestChoice {
  readonly name: string;
  readonly mix: readonly MixEntry[];
  readonly policy: Policy;
}

/** DurabilityTestOptions are the options shared by singletest, multitest and basic, as a user writes them. */
export interface DurabilityTestOptions extends LoadOptions {
  /** iterations per run (Labour's -i; default 128), alias of `requests`. */
  iterations?: number | string;
  /** parallel users (Labour's -p; default 1), alias of `connections`. */
  parallel?: number | string;
  /** policy overrides the tests' own: `random` or `sequential`. */
  policy?: string;
  /** seed of the random policy, for a run that can be repeated. */
  seed?: number | string;
  /** mix replaces the ready test's behaviours: `plain:98,sleep(seconds=0.5):1`. */
  mix?: string;
  /** rawRows: one row per request to the main thread (for `--csv`). */
  rawRows?: boolean;
  /** clientTimeout: the client timeout of every behaviour that sets none of its own (default 30 s, Labour's). */
  clientTimeout?: string | number;
  /** untilFailures stops each run after this many unexpected results (or its usual limits); its stop reason says so. */
  untilFailures?: number | string;
}

/** SingleTestOptions: one server, one test (`gauntlet singletest`). */
export interface SingleTestOptions extends DurabilityTestOptions {
  /** server spec, `gunicorn-sync:workers=4,timeout=5`; default node-http. */
  server?: string;
  /** ready test name; default plain (ignored with `mix`). */
  test?: string;
}

/** MultiTestOptions: every server × every test (`gauntlet multitest`). */
export interface MultiTestOptions extends DurabilityTestOptions {
  /** server specs; default every available adapter but `command`. */
  servers?: readonly string[];
  /** ready tests; default Labour's four: plain, light-sleep, heavy-sleep, segfault. */
  tests?: readonly string[];
  /**
   * cellTimeLimit ends a cell after this long even if its requests are not all sent (default 60 s;
   * 0 = none), unless `duration` is given: a server that stopped answering costs a client timeout per
   * request, and must not hold the matrix for an hour. A cell cut short says so in the matrix.
   */
  cellTimeLimit?: string | number;
}

/** DEFAULT_CELL_TIME_LIMIT is how long a multitest cell may run unless told otherwise. */
export const DEFAULT_CELL_TIME_LIMIT = '60s';

/** withCellTimeLimit adds the cell time limit to a multitest's load options, keeping the request count. */
function withCellTimeLimit(o: MultiTestOptions): MultiTestOptions {
  if (o.duration !== undefined) return o;
  const limitMs = parseDuration(o.cellTimeLimit ?? DEFAULT_CELL_TIME_LIMIT, '--cell-time-limit');
  if (limitMs <= 0) return o;
  const open = o.rate !== undefined || o.stages !== undefined;
  const count = o.iterations ?? o.requests ?? (o.iterationsPerUser === undefined && !open ? DEFAULT_ITERATIONS : undefined);
  if (count === undefined && open) throw usageError('the open model needs -n or -d in a multitest', 'add -n 500, or -d 30s');
  return { ...o, ...(count !== undefined ? { iterations: count } : {}), duration: `${limitMs}ms` };
}

/** ResolvedCell is a validated (server, test) pair whose plan only waits for the server's URL. */
export interface ResolvedCell {
  readonly server: ServerSpec;
  readonly test: TestChoice;
  planFor(target: string): Plan;
}

function parseSeed(seed: number | string | undefined): number | undefined {
  if (seed === undefined) return undefined;
  const n = typeof seed === 'number' ? seed : /^\s*-?\d+\s*$/.test(seed) ? Number(seed) : NaN;
  if (!Number.isSafeInteger(n)) throw usageError(`--seed must be a whole number, got '${seed}'`, 'for example --seed 42');
  return n;
}

/** withClientTimeout gives every behaviour of a mix that keeps the default client timeout this one. */
function withClientTimeout(mix: readonly MixEntry[], timeout: string | number | undefined): MixEntry[] {
  if (timeout === undefined) return [...mix];
  const ms = parseDuration(timeout, '--timeout');
  if (ms <= 0) throw usageError('--timeout must be longer than 0', 'for example --timeout 5s');
  return mix.map((e) =>
    e.behaviour.timeoutMs !== DEFAULT_CLIENT_TIMEOUT_MS ? e : { ...e, behaviour: makeBehaviour(e.behaviour.name, { ...e.behaviour.params, timeout: ms / 1000 }) },
  );
}

/** resolveTests reads the tests (or the custom mix) and the policy override. */
function resolveTests(names: readonly string[], o: DurabilityTestOptions): TestChoice[] {
  const seed = parseSeed(o.seed);
  if (o.policy !== undefined) parsePolicy(o.policy, seed); // validate early
  const policyFor = (own: Policy['name']): Policy => parsePolicy(o.policy ?? own, seed);
  if (o.mix !== undefined) return [{ name: 'custom', mix: withClientTimeout(parseMix(o.mix), o.clientTimeout), policy: policyFor('random') }];
  if (names.length === 0) throw usageError('no test given', 'give -t TEST (gauntlet singletest -t list shows them) or --mix');
  return names.map((n) => {
    const t = getReadyTest(n);
    return { name: t.name, mix: withClientTimeout(t.mix(), o.clientTimeout), policy: policyFor(t.policy) };
  });
}

function cellFor(server: ServerSpec, test: TestChoice, o: DurabilityTestOptions): ResolvedCell {
  const { policy: _p, seed: _s, mix: _m, clientTimeout: _t, ...load } = o;
  const planFor = (target: string): Plan =>
    resolveDurabilityPlan({
      ...load,
      target,
      mix: test.mix,
      policy: test.policy,
      label: `${test.name} against ${server.text}`,
      ...(server.proxy !== undefined ? { proxy: server.proxy.traits } : {}),
    });
  planFor('http://127.0.0.1:1'); // validates the load options before any server starts
  return { server, test, planFor };
}

/** resolveSingleTest validates a singletest (usage errors, exit 2) before any server starts. */
export function resolveSingleTest(o: SingleTestOptions): ResolvedCell {
  const server = parseServerSpec(o.server ?? 'node-http');
  const [test] = resolveTests([o.test ?? 'plain'], o);
  return cellFor(server, test!, o);
}

/** resolveBasic is Labour's basic: 512 requests of BASIC_MIX, random policy, one connection. */
export function resolveBasic(o: { server?: string; seed?: number | string; workers?: number | string; untilFailures?: number | string } = {}): ResolvedCell {
  return resolveSingleTest({ ...o, mix: BASIC_MIX, policy: 'random', iterations: BASIC_ITERATIONS, parallel: 1 });
}

/** ResolvedMultiTest is a validated matrix: its servers (rows), tests (columns) and cells. */
export interface ResolvedMultiTest {
  readonly servers: readonly ServerSpec[];
  readonly tests: readonly TestChoice[];
  readonly cells: readonly ResolvedCell[];
}

/** DEFAULT_MULTITEST_TESTS are Labour's four ready tests. */
export const DEFAULT_MULTITEST_TESTS = ['plain', 'light-sleep', 'heavy-sleep', 'segfault'];

/**
 * resolveMultiTest validates a multitest and checks that every server it names runs here (an
 * unknown one is a usage error, a missing one says how to install it). Without servers it takes every
 * available adapter but `command`.
 */
export async function resolveMultiTest(o: MultiTestOptions): Promise<ResolvedMultiTest> {
  let specs: ServerSpec[];
  if (o.servers !== undefined && o.servers.length > 0) {
    specs = o.servers.map((s) => parseServerSpec(s));
    const dup = specs.find((s, i) => specs.findIndex((x) => x.text === s.text) !== i);
    if (dup) throw usageError(`server '${dup.text}' is given twice`, 'give each -s once');
    for (const s of specs) await ensureAvailable(s);
  } else {
    const candidates = SERVER_ADAPTERS.filter((a) => a.name !== 'command');
    const ok = await Promise.all(candidates.map(async (a) => ((await a.available()).ok ? a : undefined)));
    specs = ok.filter((a) => a !== undefined).map((a) => parseServerSpec(a.name));
  }
  const tests = resolveTests(o.tests !== undefined && o.tests.length > 0 ? o.tests : DEFAULT_MULTITEST_TESTS, o);
  const dupTest = tests.find((t, i) => tests.findIndex((x) => x.name === t.name) !== i);
  if (dupTest) throw usageError(`test '${dupTest.name}' is given twice`, 'give each -t once');
  const limited = withCellTimeLimit(o);
  const cells = specs.flatMap((s) => tests.map((t) => cellFor(s, t, limited)));
  return { servers: specs, tests, cells };
}

/** ensureAvailable fails with how to install the server when it cannot run here (exit 2). */
export async function ensureAvailable(spec: ServerSpec): Promise<void> {
  const a = await spec.adapter.available();
  if (!a.ok) {
    throw new GauntletError('GAUNTLET_SERVER_FAILED', `server ${spec.adapter.name} is not available here: ${a.why ?? 'unknown reason'}`, {
      hint: a.install !== undefined ? `install it: ${a.install} (gauntlet servers lists every server)` : 'gauntlet servers lists every server and how to install it',
      exitCode: ExitCode.usage,
    });
  }
}

/** CellHooks let a front door watch a cell: reporters for its run, and its server once it is up. */
export interface CellHooks {
  /** reporters builds the run's reporters once its plan is known (progress, files). */
  reporters?(plan: Plan): Reporter[];
  /** thresholds judged on the cell's result (k6 syntax); a failed one makes the result's verdicts say so. */
  thresholds?: readonly Threshold[];
  onServer?(server: RunningServer): void;
  /** startTimeoutMs / graceMs of the server (defaults: the adapter's). */
  startTimeoutMs?: number;
  graceMs?: number;
  /** host the server listens on, and so the address its URL names (default 127.0.0.1); agents on other machines need one they reach. */
  host?: string;
  /**
   * agents send the cell's requests from N agents over NATS instead of local threads; the server
   * still starts, is watched and stops here, and the cell is judged on the agents' merged result.
   */
  agents?: DurabilityAgents;
}

/** CellOutcome is how one cell ended: its result (with `sections.durability`), or why it did not run. */
export interface CellOutcome {
  readonly status: MatrixCell['status'];
  readonly result?: RunResult;
  readonly serverStop?: ServerStopReport;
  readonly error?: GauntletError;
}

/**
 * CellRun runs one cell with its server's lifecycle: start a fresh server, run the plan against it
 * while sampling it, stop it (whole process group), whatever happens. stop() at any point (Ctrl-C)
 * lets in-flight requests finish within the grace period and still stops the server; abort() cuts
 * them. `done` never rejects: a server that would not start is an outcome with its error.
 */
export class CellRun {
  readonly done: Promise<CellOutcome>;
  private handle: RunHandle | undefined;
  private requested: 'stop' | 'abort' | undefined;

  constructor(cell: ResolvedCell, hooks: CellHooks = {}) {
    this.done = this.go(cell, hooks);
  }

  stop(): void {
    this.requested ??= 'stop';
    this.handle?.stop();
  }

  abort(): void {
    this.requested = 'abort';
    this.handle?.abort();
  }

  private async go(cell: ResolvedCell, hooks: CellHooks): Promise<CellOutcome> {
    let server: RunningServer;
    try {
      server = await cell.server.adapter.start({
        settings: cell.server.settings,
        ...(hooks.startTimeoutMs !== undefined ? { startTimeoutMs: hooks.startTimeoutMs } : {}),
        ...(hooks.graceMs !== undefined ? { graceMs: hooks.graceMs } : {}),
        ...(hooks.host !== undefined ? { host: hooks.host } : {}),
      });
    } catch (error) {
      const e = error instanceof GauntletError ? error : new GauntletError('GAUNTLET_SERVER_FAILED', String(error));
      return { status: 'server-failed', error: e };
    }
    let outcome: CellOutcome;
    try {
      outcome = await this.run(cell, hooks, server);
    } catch (error) {
      const e = error instanceof GauntletError ? error : new GauntletError('GAUNTLET_RUNTIME', error instanceof Error ? error.message : String(error));
      outcome = { status: 'failed', error: e };
    } finally {
      this.handle = undefined;
    }
    try {
      return { ...outcome, serverStop: await server.stop() };
    } catch (error) {
      // Something of the server outlived SIGKILL: say so, beside whatever the run measured.
      return { ...outcome, ...(outcome.error === undefined && error instanceof GauntletError ? { error } : {}) };
    }
  }

  private async run(cell: ResolvedCell, hooks: CellHooks, server: RunningServer): Promise<CellOutcome> {
    if (this.requested !== undefined) return { status: 'not-run' };
    hooks.onServer?.(server);
    const plan = cell.planFor(server.url);
    const start = hooks.agents !== undefined ? await agentStarter(hooks.agents) : undefined;
    this.handle = startDurabilityRun(plan, {
      ...(start !== undefined ? { start } : {}),
      server,
      reporters: hooks.reporters?.(plan) ?? [],
      ...(hooks.thresholds !== undefined ? { thresholds: hooks.thresholds } : {}),
      names: { test: cell.test.name, server: cell.server.text },
    });
    if (this.requested === 'stop') this.handle.stop();
    if (this.requested === 'abort') this.handle.abort();
    const result = await this.handle.done;
    return { status: result.stopReason, result };
  }
}

/** agentStarter binds startDistributedRun to the agents; the NATS client loads only for a run on agents. */
async function agentStarter(agents: DurabilityAgents): Promise<(plan: Plan, options: StartRunOptions) => RunHandle> {
  const { startDistributedRun } = await import('./distributed-run.js');
  return (plan, options) => startDistributedRun(plan, { ...options, ...agents });
}

/** MultiTestHooks let a front door follow a matrix cell by cell. */
export interface MultiTestHooks extends CellHooks {
  onCellStart?(index: number, count: number, cell: ResolvedCell): void;
  onCellEnd?(index: number, count: number, cell: MatrixCell): void;
}

/** MultiTestHandle is a matrix in progress: stop() ends the current cell and runs no more. */
export interface MultiTestHandle {
  stop(): void;
  abort(): void;
  readonly done: Promise<Matrix>;
}

/** toMatrixCell turns a cell's outcome into the matrix's plain data. */
function toMatrixCell(cell: ResolvedCell, o: CellOutcome): MatrixCell {
  const figures = o.result !== undefined ? durabilityOf(o.result) : undefined;
  const error = o.error?.message ?? (o.result?.stopReason === 'failed' ? o.result.error : undefined);
  return {
    server: cell.server.text,
    test: cell.test.name,
    status: o.status,
    ...(error !== undefined ? { error } : {}),
    ...(figures !== undefined ? { figures } : {}),
    ...(o.result !== undefined ? { durationMs: o.result.durationMs } : {}),
    ...(o.result?.plannedIterations !== undefined ? { plannedRequests: o.result.plannedIterations } : {}),
    ...(o.serverStop !== undefined ? { serverStop: o.serverStop } : {}),
    ...(o.result !== undefined ? { result: o.result } : {}),
  };
}

/**
 * startMultiTest runs every cell in turn, each against a fresh server (Labour's multitest), and
 * resolves to the matrix. A server that will not start fails its cell and the matrix goes on.
 */
export function startMultiTest(m: ResolvedMultiTest, hooks: MultiTestHooks = {}): MultiTestHandle {
  let current: CellRun | undefined;
  let requested: 'stop' | 'abort' | undefined;
  const startedAt = new Date().toISOString();
  const done = (async (): Promise<Matrix> => {
    const cells: MatrixCell[] = [];
    const n = m.cells.length;
    for (let i = 0; i < n; i++) {
      const cell = m.cells[i]!;
      if (requested !== undefined) {
        cells.push({ server: cell.server.text, test: cell.test.name, status: 'not-run' });
        continue;
      }
      hooks.onCellStart?.(i, n, cell);
      current = new CellRun(cell, hooks);
      if (requested === 'stop') current.stop();
      const outcome = await current.done;
      current = undefined;
      const mc = toMatrixCell(cell, outcome);
      cells.push(mc);
      hooks.onCellEnd?.(i, n, mc);
    }
    return {
      format: MATRIX_FORMAT,
      version: 1,
      startedAt,
      servers: m.servers.map((s) => s.text),
      tests: m.tests.map((t) => t.name),
      stopReason: requested === undefined ? 'completed' : 'interrupted',
      cells,
    };
  })();
  return {
    done,
    stop: () => {
      requested ??= 'stop';
      current?.stop();
    },
    abort: () => {
      requested = 'abort';
      current?.abort();
    },
  };
}
