import { createHash } from 'node:crypto';
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
  /** hello: an idle agent answers a discover (signed with the agent user's key); `tags` are its --tag pairs. */
  | { readonly type: 'hello'; readonly agentId: string; readonly host: string; readonly workers: number; readonly tags?: Readonly<Record<string, string>> }
  /** claim: a coordinator reserves an idle agent for its run (request on the agent's subject, signed). */
  | { readonly type: 'claim'; readonly runId: string }
  /** claimed: the agent is reserved for that run until the assign (or CLAIM_TTL_MS without a renewal). */
  | { readonly type: 'claimed'; readonly agentId: string; readonly runId: string }
  /** release: the coordinator gives back a claimed agent it will not use, or one it gave up as lost (which then stops its share). */
  | { readonly type: 'release'; readonly runId: string }
  /** status: anyone asks every agent (idle or busy) how it is (request on the status subject). */
  | { readonly type: 'status' }
  /** agent-status: an agent's answer to a status request (signed). */
  | {
      readonly type: 'agent-status';
      readonly agentId: string;
      readonly host: string;
      readonly workers: number;
      readonly state: 'idle' | 'reserved' | 'running';
      readonly version: string;
      readonly tags: Readonly<Record<string, string>>;
      readonly runId?: string;
    }
  /** stop-run: `gauntlet stop` asks a run's coordinator to stop it gracefully (on the run's coordinator subject, signed). */
  | { readonly type: 'stop-run'; readonly runId: string }
  /** stopping: the coordinator took the stop-run (or `rejected` when it refused it). */
  | { readonly type: 'stopping'; readonly runId: string }
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
/** CLAIM_TTL_MS: a claimed agent stays reserved this long without an assign or a renewed claim. */
export const CLAIM_TTL_MS = 5000;
/** DEFAULT_SUBJECT_PREFIX is the first token of every subject unless --subject-prefix says otherwise. */
export const DEFAULT_SUBJECT_PREFIX = 'gauntlet';

/** Subjects are the NATS subjects of the protocol under one prefix. */
export interface Subjects {
  /** discover: coordinators ask, idle agents answer hello. */
  readonly discover: string;
  /** status: anyone asks, every agent answers agent-status. */
  readonly status: string;
  /** agent: one agent's inbox (claim, release, assign). */
  agent(agentId: string): string;
  /** control: coordinator → agents of a run (start, stop, abort, alive). */
  control(runId: string): string;
  /** fromAgents: agents → coordinator of a run (ready, heartbeat, snapshot, done). */
  fromAgents(runId: string): string;
  /** coordinator: → the coordinator of a run (stop-run, from `gauntlet stop`). */
  coordinator(runId: string): string;
}

/**
 * subjectsFor names the subjects under `prefix` (a team's own --subject-prefix): agents and
 * coordinators of different prefixes never see each other's messages.
 */
export function subjectsFor(prefix: string = DEFAULT_SUBJECT_PREFIX): Subjects {
  return {
    discover: `${prefix}.agents.discover`,
    status: `${prefix}.agents.status`,
    agent: (agentId) => `${prefix}.agent.${agentId}`,
    control: (runId) => `${prefix}.run.${runId}.control`,
    fromAgents: (runId) => `${prefix}.run.${runId}.agents`,
    coordinator: (runId) => `${prefix}.run.${runId}.coordinator`,
  };
}

/** subjects are the subjects under the default prefix. */
export const subjects = subjectsFor();

/** NATS_TOKEN is what one token of a subject may hold here (no dots, wildcards or spaces). */
export const NATS_TOKEN = /^[A-Za-z0-9_-]+$/;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * NON_FINITE marks a number JSON cannot carry. A plan holds Infinity (an open-model stage bounded
 * only by its count, `-r 100 -n 600`); plain JSON turns it into null, and the agent's stage then
 * lasted no time at all: 0 requests, `completed`. It travels as `{ "$number": "Infinity" }`.
 */
const NON_FINITE = '$number';

function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? { [NON_FINITE]: String(value) } : value;
}

function reviver(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const v = value as Record<string, unknown>;
  const text = v[NON_FINITE];
  return typeof text === 'string' && Object.keys(v).length === 1 && ['Infinity', '-Infinity', 'NaN'].includes(text) ? Number(text) : value;
}

/** toJson is JSON.stringify for the wire: non-finite numbers survive (see NON_FINITE). */
function toJson(msg: AgentMessage): string {
  return JSON.stringify(msg, replacer);
}

/** wireStringify and wireParse are JSON for anything else that travels (the plan object): non-finite numbers survive. */
export function wireStringify(value: unknown): string {
  return JSON.stringify(value, replacer);
}

export function wireParse(text: string): unknown {
  return JSON.parse(text, reviver) as unknown;
}

/** encodeMessage turns a message into a NATS payload. */
export function encodeMessage(msg: AgentMessage): Uint8Array {
  return encoder.encode(toJson(msg));
}

function parse(data: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(data), reviver) as unknown;
  } catch {
    return undefined;
  }
}

/** decodeMessage reads a NATS payload and checks its shape (validateMessage); a bad one says why. */
export function decodeMessage(data: Uint8Array): Validation {
  return validateMessage(parse(data));
}

/** encodeSigned turns a message into a signed envelope (every coordinator's and every agent's message is signed). */
export function encodeSigned(msg: AgentMessage, key: SigningKey): Uint8Array {
  return encoder.encode(JSON.stringify(signPayload(toJson(msg), key)));
}

/** SignedValidation is a signed message checked in shape, with the key that signed it, or why it was dropped. */
export type SignedValidation = { readonly kind: 'ok'; readonly msg: AgentMessage; readonly key: string } | { readonly kind: 'bad'; readonly reason: string };

/**
 * openSigned reads a signed envelope whatever key signed it (the signature is checked against the
 * envelope's own key) and says which key that was: the caller decides whether it trusts it
 * (`gauntlet agents` lists untrusted agents, marked, instead of hiding them).
 */
export function openSigned(data: Uint8Array): SignedValidation {
  const raw = parse(data);
  const key = typeof raw === 'object' && raw !== null && typeof (raw as Record<string, unknown>)['key'] === 'string' ? ((raw as Record<string, unknown>)['key'] as string) : '';
  const env = verifyEnvelope(raw, new Set([key]));
  if (env.kind !== 'ok') return { kind: 'bad', reason: env.reason };
  const v = validateMessage(parse(encoder.encode(env.payload)));
  return v.kind === 'ok' ? { kind: 'ok', msg: v.msg, key } : v;
}

/** keyFingerprint is a short, stable name of a public key: `SHA256:` and the first 16 hex digits of its hash. */
export function keyFingerprint(key: string): string {
  return `SHA256:${createHash('sha256').update(Buffer.from(key, 'base64')).digest('hex').slice(0, 16)}`;
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
