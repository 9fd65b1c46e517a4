import { addAgentFlags, agentsOf, loadOptionsOf, type AgentFlagValues, type LoadFlagDefaults, type LoadFlagValues } from './load-flags.js';
import type { CellHooks } from '../../api/durability.js';
import type { Command } from 'commander';
import { READY_TESTS } from '../../durability/ready-tests.js';
import { err, onStop, out } from '../io.js';

/** Stoppable is anything Ctrl-C can stop gracefully, then abort: a durability cell or a matrix. */
export interface Stoppable {
  stop(): void;
  abort(): void;
}

/**
 * onStopSignals wires Ctrl-C (SIGINT), SIGTERM and SIGHUP to `target` until the returned function is called:
 * the first signal stops it (in-flight requests get the grace period, the server is still stopped),
 * a second one aborts the requests.
 */
export function onStopSignals(target: Stoppable, graceMs: number, quiet = false): () => void {
  let signals = 0;
  const onSignal = (): void => {
    signals++;
    if (signals === 1) {
      if (!quiet) err(`\nstopping: letting in-flight requests finish (up to ${graceMs / 1000}s), then stopping the server; press Ctrl-C again to abort them\n`);
      target.stop();
    } else target.abort();
  };
  return onStop(onSignal);
}

/** untilSignal resolves at the first SIGINT, SIGTERM or SIGHUP, or when `also` settles (a server that died). */
export function untilSignal(also?: Promise<unknown>): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      off();
      resolve();
    };
    const off = onStop(done);
    void also?.then(done, done);
  });
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** DURABILITY_LOAD_DEFAULTS are singletest's and multitest's load defaults: one user, 128 requests. */
export const DURABILITY_LOAD_DEFAULTS: LoadFlagDefaults = { connections: '1', duration: 'none: -i 128 requests' };

/** DurabilityFlagValues are the durability flags shared by singletest and multitest. */
export interface DurabilityFlagValues {
  iterations?: string;
  parallel?: string;
  policy?: string;
  seed?: string;
  mix?: string;
  timeout?: string;
  untilFailures?: string;
}

/** UNTIL_FAILURES_HELP is the help of `--until-failures`, one text for basic, singletest and multitest. */
export const UNTIL_FAILURES_HELP = 'stop a run after N unexpected results (or at its usual end); the report lists each with the server log around it';

/** addDurabilityFlags adds Labour's -i and -p and the mix and policy flags. */
export function addDurabilityFlags(cmd: Command): Command {
  return cmd
    .option('-i, --iterations <n>', 'requests per run (Labour\'s -i; same as -n) (default: 128 unless -d)')
    .option('-p, --parallel <n>', 'parallel users, one connection each (Labour\'s -p; same as -c) (default: 1)')
    .option('--policy <policy>', "how the weighted list is walked: random or sequential (default: the test's own)")
    .option('--seed <n>', 'seed of the random policy, to repeat a run exactly')
    .option('--timeout <time>', "client timeout of every behaviour that sets none of its own, e.g. 5s (default: 30s, Labour's)")
    .option('--mix <mix>', "your own weighted behaviours instead of a ready test, e.g. 'plain:98,sleep(seconds=0.5):1'")
    .option('--until-failures <n>', UNTIL_FAILURES_HELP);
}

/** durabilityOptionsOf maps the shared durability flags (and every load flag) to driver options. */
export function durabilityOptionsOf(f: DurabilityFlagValues & LoadFlagValues) {
  return {
    ...loadOptionsOf(f),
    ...(f.iterations !== undefined ? { iterations: f.iterations } : {}),
    ...(f.parallel !== undefined ? { parallel: f.parallel } : {}),
    ...(f.policy !== undefined ? { policy: f.policy } : {}),
    ...(f.seed !== undefined ? { seed: f.seed } : {}),
    ...(f.mix !== undefined ? { mix: f.mix } : {}),
    ...(f.timeout !== undefined ? { clientTimeout: f.timeout } : {}),
    ...(f.untilFailures !== undefined ? { untilFailures: f.untilFailures } : {}),
  };
}

/** addPlacementFlags adds where a durability run's requests go out from (`--agents N --nats URL`) and where its server listens. */
export function addPlacementFlags(cmd: Command): Command {
  addAgentFlags(cmd);
  return cmd.option('--server-host <addr>', 'address the server listens on and the requests go to (default: 127.0.0.1; agents on other machines need an address of this one they reach)');
}

/** PlacementFlagValues are the parsed values of addPlacementFlags. */
export interface PlacementFlagValues extends AgentFlagValues {
  serverHost?: string;
}

/**
 * placementOf reads the placement flags into a cell's hooks: the agents (undefined for local threads)
 * and the server's host (a raw --csv works with agents too: they put their rows in the object store).
 */
export function placementOf(f: PlacementFlagValues): Pick<CellHooks, 'agents' | 'host'> {
  const agents = agentsOf(f);
  return { ...(agents !== undefined ? { agents } : {}), ...(f.serverHost !== undefined ? { host: f.serverHost } : {}) };
}

/** repeatable is commander's collector for a repeatable option. */
export { collect as repeatable };

/** printTests prints the ready-made tests with their mixes (`-t list`). */
export function printTests(): void {
  const width = Math.max(...READY_TESTS.map((t) => t.name.length));
  out('Ready-made tests (-t NAME):\n');
  for (const t of READY_TESTS) {
    out(`  ${t.name.padEnd(width)}  ${t.description}\n`);
    out(`  ${''.padEnd(width)}  --mix '${t.mixText}' --policy ${t.policy}\n`);
  }
}
