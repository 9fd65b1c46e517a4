import { createRequire } from 'node:module';
import type { Segment } from '../core/segments.js';
import type { MetricsSnapshot } from '../metrics/registry.js';
import type { ErrorSampleSummary, FailureSummary, RunResult } from '../metrics/run-result.js';
import { validateMessage, type Validation } from './message-validation.js';
import { signPayload, verifyEnvelope, type SigningKey } from './plan-signing.js';
import type { DataRef } from './plan-objects.js';
import type { ObjectRef } from './run-store.js';

/** PROTOCOL_VERSION changes whenever a message changes shape; agents refuse plans of another version. */
export const PROTOCOL_VERSION = 3;
/** GAUNTLET_VERSION is package.json's version; agents refuse plans from another Gauntlet version. */
export const GAUNTLET_VERSION = (createRequire(import.meta.url)('gauntlet/package.json') as { version: string }).version;

/**
 * AgentMessage is every message between a coordinator and its agents, JSON over NATS subjects (see
 * `subjects`). It mirrors the worker-thread messages of protocol.ts: an assignment in place of
 * workerData, the same start/stop/abort, interval snapshots, and a done with the agent's outcome.
 * Shared instants travel as epoch milliseconds; the coordinator corrects each agent's clock offset.
 */
export type AgentMessage =
  /** discover: a coordinator looks for idle agents (request on `gauntlet.agents.discover`). */
  | { readonly type: 'discover' }
  /** hello: an idle agent answers a discover. */
  | { readonly type: 'hello'; readonly agentId: string; readonly host: string; readonly workers: number }
  /**
   * assign: a coordinator hands an agent its plan and segment (request on the agent's subject). The
   * plan and its data rows are in the JetStream object store (run-store.ts, plan-objects.ts): the
   * assign carries their refs and SHA-256s, the plan object is signed too.
   */
  | {
      readonly type: 'assign';
      readonly runId: string;
      /** token: the coordinator's secret for this agent in this run; every message the agent sends carries it. */
      readonly token: string;
      /** planRef: the signed plan (its data rows left out) in the object store. */
      readonly planRef: ObjectRef;
      /** data: this agent's data rows, per data table (only its users' rows in `unique` mode). */
      readonly data: readonly DataRef[];
      /** workers: the worker threads this agent runs the plan on. */
      readonly workers: number;
      readonly segment: Segment;
      readonly gauntletVersion: string;
      readonly protocolVersion: number;
    }
  /** accepted: the agent took the assignment; `epochMs` is its clock when it answered, `heldMs` how long it took (fetching the plan) since the assign came. */
  | { readonly type: 'accepted'; readonly agentId: string; readonly epochMs: number; readonly heldMs?: number }
  /** rejected: the agent is busy or the plan cannot run there. */
  | { readonly type: 'rejected'; readonly agentId: string; readonly reason: string }
  /** ready: the agent's workers are built and wait for the start. */
  | { readonly type: 'ready'; readonly agentId: string; readonly token: string }
  /** start: every agent starts at its own clock's `startEpochMs[agentId]` (one instant, offsets applied). */
  | { readonly type: 'start'; readonly runId: string; readonly startEpochMs: Readonly<Record<string, number>> }
  /** stop, abort (and start) name their run, so a signed one cannot be replayed into another run. */
  | { readonly type: 'stop'; readonly runId: string }
  | { readonly type: 'abort'; readonly runId: string }
  /** alive: the coordinator is alive (every HEARTBEAT_MS on the control subject, from the assignment to the end). */
  | { readonly type: 'alive'; readonly runId: string }
  /** heartbeat: an agent is alive (every HEARTBEAT_MS while it holds a run). */
  | { readonly type: 'heartbeat'; readonly agentId: string; readonly token: string }
  /** snapshot: one interval of one agent, merged over its workers (exact, encoded histograms); snapshots and done go through the run's JetStream stream (snapshot-stream.ts). */
  | { readonly type: 'snapshot'; readonly agentId: string; readonly token: string; readonly index: number; readonly endMs: number; readonly snapshot: MetricsSnapshot }
  /** done: the agent's run is over; every snapshot was sent before it. */
  | {
      readonly type: 'done';
      readonly agentId: string;
      readonly token: string;
      readonly durationMs: number;
      readonly stopReason: RunResult['stopReason'];
      readonly error?: string;
      readonly errors: readonly ErrorSampleSummary[];
      /** failures: what the agent's failed requests said (absent from agents of older versions). */
      readonly failures?: readonly FailureSummary[];
      /**
       * stopped: why the agent ended its share early on its own (a stop signal, its coordinator silent);
       * absent when it ran its share to the end or its coordinator asked it to stop.
       */
      readonly stopped?: string;
      /** csv: the agent's raw request rows (plan.rawRows) in the object store (RawRowsFile frames). */
      readonly csv?: ObjectRef;
    };

/** HEARTBEAT_MS is how often an agent says it is alive during a run. */
export const HEARTBEAT_MS = 500;
/** ORPHAN_TIMEOUT_MS: an agent whose coordinator is silent this long stops its share and becomes idle. */
export const ORPHAN_TIMEOUT_MS = 3000;
/** LOST_AFTER_MS: an agent silent this long is lost. */
export const LOST_AFTER_MS = 3000;

/** subjects names the NATS subjects of the protocol. */
export const subjects = {
  /** discover: coordinators ask, idle agents answer hello. */
  discover: 'gauntlet.agents.discover',
  /** agent: one agent's inbox (assign, requested). */
  agent: (agentId: string) => `gauntlet.agent.${agentId}`,
  /** control: coordinator → agents of a run (start, stop, abort, alive). */
  control: (runId: string) => `gauntlet.run.${runId}.control`,
  /** fromAgents: agents → coordinator of a run (ready, heartbeat, snapshot, done). */
  fromAgents: (runId: string) => `gauntlet.run.${runId}.agents`,
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** encodeMessage turns a message into a NATS payload. */
export function encodeMessage(msg: AgentMessage): Uint8Array {
  return encoder.encode(JSON.stringify(msg));
}

function parse(data: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(data)) as unknown;
  } catch {
    return undefined;
  }
}

/** decodeMessage reads a NATS payload and checks its shape (validateMessage); a bad one says why. */
export function decodeMessage(data: Uint8Array): Validation {
  return validateMessage(parse(data));
}

/** encodeSigned turns a coordinator's message (assign, start, stop, abort) into a signed envelope. */
export function encodeSigned(msg: AgentMessage, key: SigningKey): Uint8Array {
  return encoder.encode(JSON.stringify(signPayload(JSON.stringify(msg), key)));
}

/**
 * decodeSigned reads a coordinator's message: a signed envelope from one of `trusted` keys, then
 * checked in shape. `acceptUnsigned` (agent --insecure-accept-unsigned-plans) also takes bare messages.
 */
export function decodeSigned(data: Uint8Array, trusted: ReadonlySet<string>, acceptUnsigned = false): Validation {
  const raw = parse(data);
  const env = verifyEnvelope(raw, trusted);
  if (env.kind === 'ok') return validateMessage(parse(encoder.encode(env.payload)));
  if (acceptUnsigned && typeof raw === 'object' && raw !== null && !('payload' in raw)) return validateMessage(raw);
  return { kind: 'bad', reason: env.reason };
}
