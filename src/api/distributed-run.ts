import { connect, type NatsConnection } from '@nats-io/transport-node';
import { GauntletError } from '../core/errors.js';
import { Coordinator } from '../distributed/coordinator.js';
import type { Plan } from '../load/plan.js';
import type { RunResult } from '../metrics/run-result.js';
import { runHandle, type RunHandle, type StartRunOptions } from '../runner/run-handle.js';

/** DistributedRunOptions say where the agents are and how many to use. */
export interface DistributedRunOptions extends StartRunOptions {
  /** nats is the NATS server URL the agents listen on, e.g. nats://127.0.0.1:4222. */
  readonly nats: string;
  readonly agents: number;
  /** discoverTimeoutMs bounds the search for idle agents (default 10 s). */
  readonly discoverTimeoutMs?: number;
  /** lostAfterMs: an agent silent this long is lost (default 3 s). */
  readonly lostAfterMs?: number;
}

/** connectNats connects to a NATS server, turning a failure into a GauntletError with a hint. */
export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  try {
    // Reconnect every 0.5 s for about a minute: a NATS restart mid-run loses nothing (see snapshot-stream.ts).
    return await connect({ servers: url, name, timeout: 5000, reconnectTimeWait: 500, maxReconnectAttempts: 120 });
  } catch (err) {
    throw new GauntletError('GAUNTLET_RUNTIME', `cannot connect to NATS at ${url}: ${(err as Error).message}`, {
      hint: 'start a NATS server with JetStream (nats-server -a 127.0.0.1 -p 4222 -js -sd DIR) and give its URL with --nats',
      cause: err,
    });
  }
}

/** RECONNECT_WAIT_MS is the agents' first wait between NATS connection attempts; it doubles up to RECONNECT_MAX_MS. */
const RECONNECT_WAIT_MS = 500;
const RECONNECT_MAX_MS = 5000;

/**
 * connectNatsForever is an agent's connection: it retries the first connect with backoff (one log
 * line per failed attempt) until it succeeds or `signal` aborts (then undefined), and the connection
 * reconnects for ever after (a NATS restart or a network cut does not end the agent).
 */
export async function connectNatsForever(url: string, name: string, log: (line: string) => void, signal: AbortSignal): Promise<NatsConnection | undefined> {
  let waitMs = RECONNECT_WAIT_MS;
  while (!signal.aborted) {
    try {
      const nc = await connect({ servers: url, name, timeout: 5000, maxReconnectAttempts: -1, reconnectTimeWait: 1000 });
      void (async () => {
        for await (const s of nc.status()) {
          if (s.type === 'disconnect') log(`NATS connection to ${s.server} lost; reconnecting`);
          else if (s.type === 'reconnect') log(`NATS connection to ${s.server} is back`);
        }
      })();
      return nc;
    } catch (err) {
      log(`cannot reach NATS at ${url} (${(err as Error).message}); retrying in ${(waitMs / 1000).toFixed(1)} s`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, waitMs);
        signal.addEventListener('abort', done, { once: true });
        function done() {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        }
      });
      waitMs = Math.min(RECONNECT_MAX_MS, waitMs * 2);
    }
  }
  return undefined;
}

/**
 * startDistributedRun runs a Plan on N agents found over NATS and reports to the given reporters,
 * like startRun does on threads: the same events, a merged live view and one RunResult (its
 * `sections.agents` lists each agent; a lost agent makes the stopReason `failed` and is named there).
 * Plans it cannot ship (scripts, raw rows) throw a usage error at once.
 */
export function startDistributedRun(plan: Plan, options: DistributedRunOptions): RunHandle {
  const coordinator = new Coordinator(plan, {
    agents: options.agents,
    natsUrl: options.nats,
    ...(options.discoverTimeoutMs !== undefined ? { discoverTimeoutMs: options.discoverTimeoutMs } : {}),
    ...(options.lostAfterMs !== undefined ? { lostAfterMs: options.lostAfterMs } : {}),
  });
  const run = async (): Promise<RunResult> => {
    const nc = await connectNats(options.nats, `gauntlet coordinator ${coordinator.runId}`);
    try {
      return await coordinator.run(nc);
    } finally {
      await nc.drain().catch(() => nc.close());
    }
  };
  return runHandle(coordinator, plan, options, run);
}
