import { Coordinator } from '../distributed/coordinator.js';
import { connectNats, urlOf, type NatsConnectOptions } from '../distributed/nats-connection.js';
import type { Plan } from '../load/plan.js';
import type { RunResult } from '../metrics/run-result.js';
import { runHandle, type RunHandle, type StartRunOptions } from '../runner/run-handle.js';

// connectNats and connectNatsForever moved to distributed/nats-connection.ts; their callers import them from here too.
export { connectNats, connectNatsForever } from '../distributed/nats-connection.js';

/** DistributedRunOptions say where the agents are and how many to use. */
export interface DistributedRunOptions extends StartRunOptions {
  /** nats is the NATS server the agents listen on: a URL (nats://127.0.0.1:4222) or the URL with credentials and TLS files. */
  readonly nats: string | NatsConnectOptions;
  readonly agents: number;
  /** discoverTimeoutMs bounds the search for idle agents (default 10 s). */
  readonly discoverTimeoutMs?: number;
  /** lostAfterMs: an agent silent this long is lost (default 3 s). */
  readonly lostAfterMs?: number;
  /** trustAgents: public keys (raw base64) of other users whose agents count, besides this user's own (--trust-agent). */
  readonly trustAgents?: readonly string[];
  /** subjectPrefix: the NATS subject prefix the agents use (default 'gauntlet'). */
  readonly subjectPrefix?: string;
  /** agentTags: use only agents that carry every one of these tags (--agent-tag key=value). */
  readonly agentTags?: Readonly<Record<string, string>>;
  /** onAgentLoss: `fail` (default) ends the run when an agent is lost; `continue` goes on and the result says what did not run. */
  readonly onAgentLoss?: 'fail' | 'continue';
  /** log receives the coordinator's lines: its run id at the start, dropped messages (default: stderr). */
  readonly log?: (line: string) => void;
}

/** DistributedSettings are the options of a distributed run that say where and how to run, without the reporters. */
export type DistributedSettings = Omit<DistributedRunOptions, keyof StartRunOptions>;

/**
 * startDistributedRun runs a Plan on N agents found over NATS and reports to the given reporters,
 * like startRun does on threads: the same events, a merged live view and one RunResult (its
 * `sections.agents` lists each agent; a lost agent makes the stopReason `failed` and is named there).
 * Plans it cannot ship (scripts, raw rows) throw a usage error at once.
 */
export function startDistributedRun(plan: Plan, options: DistributedRunOptions): RunHandle {
  const coordinator = new Coordinator(plan, {
    agents: options.agents,
    natsUrl: urlOf(options.nats),
    ...(options.discoverTimeoutMs !== undefined ? { discoverTimeoutMs: options.discoverTimeoutMs } : {}),
    ...(options.lostAfterMs !== undefined ? { lostAfterMs: options.lostAfterMs } : {}),
    ...(options.subjectPrefix !== undefined ? { subjectPrefix: options.subjectPrefix } : {}),
    ...(options.agentTags !== undefined ? { agentTags: options.agentTags } : {}),
    ...(options.onAgentLoss !== undefined ? { onAgentLoss: options.onAgentLoss } : {}),
    ...(options.log !== undefined ? { log: options.log } : {}),
    ...(options.trustAgents !== undefined ? { trustAgents: options.trustAgents } : {}),
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
