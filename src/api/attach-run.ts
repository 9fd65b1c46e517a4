import { GauntletError } from '../core/errors.js';
import { Coordinator } from '../distributed/coordinator.js';
import { readPlanObject } from '../distributed/plan-objects.js';
import { RunStore } from '../distributed/run-store.js';
import { loadSigningKey } from '../distributed/plan-signing.js';
import { ensureRunStream, readRunStarted } from '../distributed/snapshot-stream.js';
import type { RunResult } from '../metrics/run-result.js';
import { runHandle, type RunHandle, type StartRunOptions } from '../runner/run-handle.js';
import { connectNats, urlOf, type NatsConnectOptions } from '../distributed/nats-connection.js';

/** AttachOptions say where the run's NATS server is. */
export interface AttachOptions extends StartRunOptions {
  /** nats: the server's URL, or the URL with credentials and TLS files. */
  readonly nats: string | NatsConnectOptions;
  /** subjectPrefix: the run's NATS subject prefix (default 'gauntlet'). */
  readonly subjectPrefix?: string;
  /** lostAfterMs: an agent silent this long is lost (default 3 s). */
  readonly lostAfterMs?: number;
  /** findTimeoutMs bounds the wait for the run's record in the stream (default 5 s). */
  readonly findTimeoutMs?: number;
}

/**
 * attachRun follows a distributed run by its id (`gauntlet attach RUN_ID`): it reads the run's
 * record and plan from JetStream, then replays the run's stream from the start and follows it live
 * until every agent is done, merging exactly as the coordinator does, so the result is the one the
 * coordinator would have printed. While agents still run it adopts the run (signed `alive`, this
 * user's key), so a run whose coordinator died goes on; stop() asks its agents to stop.
 */
export async function attachRun(runId: string, options: AttachOptions): Promise<RunHandle> {
  if (!/^[A-Za-z0-9_-]+$/.test(runId)) throw new GauntletError('GAUNTLET_USAGE', `'${runId}' is not a run id`, { hint: 'a coordinator prints its run id when the run starts: gauntlet: run ID on N agents' });
  const nc = await connectNats(options.nats, `gauntlet attach ${runId}`);
  try {
    const store = await RunStore.open(nc, 'attaching to a run');
    const js = await ensureRunStream(nc, 'attaching to a run');
    const started = await readRunStarted(js, runId, options.findTimeoutMs ?? 5000, new Set([loadSigningKey().publicKey]));
    if (started === undefined) {
      throw new GauntletError('GAUNTLET_USAGE', `no run ${runId} on ${urlOf(options.nats)}`, { hint: 'give the id a coordinator printed (runs are kept 24 h), and the NATS server it ran on with --nats' });
    }
    const plan = readPlanObject(await store.get(started.planRef), undefined);
    const coordinator = new Coordinator(plan, { agents: started.agents.length, runId, natsUrl: urlOf(options.nats), ...(options.subjectPrefix !== undefined ? { subjectPrefix: options.subjectPrefix } : {}), ...(options.lostAfterMs !== undefined ? { lostAfterMs: options.lostAfterMs } : {}) });
    const run = async (): Promise<RunResult> => {
      try {
        return await coordinator.follow(nc, started, true);
      } finally {
        await nc.drain().catch(() => nc.close());
      }
    };
    return runHandle(coordinator, plan, options, run);
  } catch (err) {
    await nc.close().catch(() => {});
    throw err;
  }
}
