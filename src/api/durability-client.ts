import type { RunHandle } from './start-run.js';
import { usageError } from '../core/errors.js';
import { FAILURE_KINDS } from '../core/failure-kinds.js';
import type { Plan } from '../load/plan.js';
import type { Reporter } from '../report/reporter.js';
import type { Threshold } from '../metrics/thresholds.js';
import type { RunResult } from '../metrics/run-result.js';
import { parseBehaviour, type Behaviour } from '../durability/behaviours.js';
import type { DurabilityNames } from '../scenarios/durability/durability-figures.js';
import { resolveDurabilityPlan, type DurabilityPlanOptions } from '../scenarios/durability/durability-plan.js';
import { startDurabilityRun } from './durability-run.js';
import type { MixEntry } from '../durability/parse-mix.js';
import { policies, type Policy } from '../durability/policies.js';
import type { RunningServer } from '../durability/servers/server-adapter.js';

/** DurabilityClientOptions choose how the weighted list is walked (default: random, with a fresh seed). */
export interface DurabilityClientOptions {
  policy?: Policy;
}

/** ExecuteOptions say where and how hard to send the mix: Labour's iterations and parallel, or any load model. */
export interface ExecuteOptions extends Omit<DurabilityPlanOptions, 'mix' | 'policy'> {
  /** server, when given, is sampled during the run (peak RSS, growth, restarts); it is not stopped. */
  server?: RunningServer;
  reporters?: readonly Reporter[];
  /** thresholds judged on the result (k6 syntax, parsed with parseThresholds); a failed one is in `result.thresholds`. */
  thresholds?: readonly Threshold[];
  /** names say which ready test and server this is, for the figures. */
  names?: DurabilityNames;
}

/**
 * DurabilityClient is Labour's client in TypeScript: add weighted behaviours, then execute them against a
 * behaviour app. It is a front door to the engine, not an engine: `execute` builds a durability Plan
 * and runs it through `startRun` on worker threads, so every load model, worker count and reporter
 * of `bench` works, and the result is a RunResult with the durability figures in `sections.durability`.
 *
 * ```ts
 * const client = new DurabilityClient({ policy: policies.random({ seed: 42 }) });
 * client.add(behaviours.plain(), 98);
 * client.add(behaviours.sleep({ seconds: 0.5 }), 1);
 * client.add(behaviours.plain({ status: 500 }), 1);
 * await using server = await servers.nodeHttp().start();
 * const result = await client.execute({ iterations: 512, target: server.url, server });
 * console.log(renderPlain(result));
 * ```
 */
export class DurabilityClient {
  readonly policy: Policy;
  private readonly entries: MixEntry[] = [];

  constructor(options: DurabilityClientOptions = {}) {
    this.policy = options.policy ?? policies.random();
  }

  /** add puts a behaviour (or its mix text, `sleep(seconds=0.5)`) in the list with a whole weight ≥ 1. */
  add(behaviour: Behaviour | string, weight = 1): this {
    if (!Number.isSafeInteger(weight) || weight < 1) throw usageError(`weight must be a whole number ≥ 1, got ${weight}`);
    this.entries.push({ behaviour: typeof behaviour === 'string' ? parseBehaviour(behaviour) : behaviour, weight });
    return this;
  }

  /** mix is the weighted list so far. */
  get mix(): readonly MixEntry[] {
    return this.entries;
  }

  /** plan builds the Plan that `execute` would run (validating the options). */
  plan(options: ExecuteOptions): Plan {
    const { server: _server, reporters: _reporters, names: _names, thresholds: _thresholds, ...rest } = options;
    return resolveDurabilityPlan({ ...rest, mix: this.entries, policy: this.policy });
  }

  /** start runs the mix and returns the run handle (stop, abort, events); `done` holds the figures. */
  start(options: ExecuteOptions): RunHandle {
    return startDurabilityRun(this.plan(options), {
      ...(options.server !== undefined ? { server: options.server } : {}),
      ...(options.reporters !== undefined ? { reporters: options.reporters } : {}),
      ...(options.thresholds !== undefined ? { thresholds: options.thresholds } : {}),
      ...(options.names !== undefined ? { names: options.names } : {}),
    });
  }

  /** execute runs the mix to the end and resolves to the result. */
  execute(options: ExecuteOptions): Promise<RunResult> {
    return this.start(options).done;
  }
}

const pct = (n: number, d: number): string => (d === 0 ? '0.00' : ((100 * n) / d).toFixed(2));

/**
 * renderPlain renders Labour's plain report of a run: `Test of N requests complete in S seconds
 * (R req/s).`, `K requests (P%) returned OK and F (Q%) failed.` and, when something failed, a
 * `Failure Breakdown:` with one `Code: <kind>\tCount: n\tPercentage: p%` line per failure kind
 * (the percentage is of the failures, as in Labour). "OK" means as expected, not HTTP 200.
 */
export function renderPlain(result: RunResult): string {
  const c = result.metrics.counters;
  const n = c['http_reqs'] ?? 0;
  const failed = c['http_req_failed'] ?? 0;
  const seconds = result.durationMs / 1000;
  const lines = [
    `Test of ${n} requests complete in ${seconds.toFixed(2)} seconds (${(n / Math.max(seconds, 1e-9)).toFixed(2)} req/s).`,
    `${n - failed} requests (${pct(n - failed, n)}%) returned OK and ${failed} (${pct(failed, n)}%) failed.`,
  ];
  if (failed > 0) {
    lines.push('', 'Failure Breakdown:');
    for (const kind of FAILURE_KINDS) {
      const count = c[`http_req_failed{kind:${kind}}`] ?? 0;
      if (count > 0) lines.push(`Code: ${kind}\tCount: ${count}\tPercentage: ${pct(count, failed)}%`);
    }
  }
  return lines.join('\n') + '\n';
}
