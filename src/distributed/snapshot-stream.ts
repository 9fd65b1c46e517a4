import type { NatsConnection } from '@nats-io/transport-node';
import type { ConsumerMessages, DeliverPolicy, JetStreamClient } from '@nats-io/jetstream';
import type { Segment } from '../core/segments.js';
import type { RunResult } from '../metrics/run-result.js';
import type { ObjectRef } from './run-store.js';
import { noJetStream } from './run-store.js';
import { signPayload, verifyEnvelope, type SigningKey } from './plan-signing.js';

/**
 * RUN_STREAM is the one JetStream stream of every run's snapshots, `done`s and coordinator records,
 * on per-run subjects (streamSubjects). One stream with a max age rather than a stream per run: no
 * stream to create or delete per run (a killed coordinator leaves nothing behind that outlives
 * RUN_STREAM_MAX_AGE_MS), no admin rights needed per run, and `attach` reads one run by its subject.
 */
export const RUN_STREAM = 'GAUNTLET_RUNS';
/** RUN_STREAM_MAX_AGE_MS: a run's messages are kept this long (attach works within it). */
export const RUN_STREAM_MAX_AGE_MS = 24 * 3600 * 1000;
/** DUPLICATE_WINDOW_MS: a message re-sent (same id) within this window is stored once. */
const DUPLICATE_WINDOW_MS = 10 * 60 * 1000;
/** MAX_UNACKED bounds an agent's queue of messages not yet stored (about 2.7 h of 1 s intervals). */
export const MAX_UNACKED = 10_000;
/** PUBLISH_TIMEOUT_MS: how long one publish waits for the stream's ack before it is tried again. */
const PUBLISH_TIMEOUT_MS = 3000;
/** CONSUME_EXPIRES_MS: how long one pull of the run's consumer waits (and the retry delay after an outage). */
const CONSUME_EXPIRES_MS = 2000;
/** RETRY_MS: the wait before a failed publish is tried again. */
const RETRY_MS = 500;

/** ALL delivers a subject's messages from the first (DeliverPolicy.All, without loading the client for its value). */
const ALL = 'all' as DeliverPolicy;

/** streamSubjects names the subjects of RUN_STREAM. */
export const streamSubjects = {
  all: 'gauntlet.stream.>',
  run: (runId: string) => `gauntlet.stream.${runId}.>`,
  /** agent: one agent's snapshots and done, in order. */
  agent: (runId: string, agentId: string) => `gauntlet.stream.${runId}.agent.${agentId}`,
  /** coordinator: the coordinator's decisions (RunRecord). */
  coordinator: (runId: string) => `gauntlet.stream.${runId}.coordinator`,
};

/** RecordAgent is one agent of a run as the coordinator recorded it (the token only as its SHA-256). */
export interface RecordAgent {
  readonly agentId: string;
  readonly host: string;
  readonly workers: number;
  readonly segment: Segment;
  readonly tokenSha256: string;
  /** key: the agent's signing key (raw base64); its messages in the stream must verify against it. */
  readonly key: string;
}

/**
 * RunRecord is a decision of the coordinator, written to the run's stream so `gauntlet attach` can
 * rebuild the run: `started` (the plan's ref, the agents and their segments, the start instant) and
 * `ended` (how the coordinator ended it).
 */
export type RunRecord =
  | { readonly type: 'run-started'; readonly runId: string; readonly planRef: ObjectRef; readonly agents: readonly RecordAgent[]; readonly startEpochMs: number }
  | { readonly type: 'run-ended'; readonly runId: string; readonly stopReason: RunResult['stopReason']; readonly error?: string };

/** ensureRunStream creates RUN_STREAM (or checks it is there); a server without JetStream is a GauntletError with a hint. */
export async function ensureRunStream(nc: NatsConnection, what: string): Promise<JetStreamClient> {
  try {
    // Loaded on first use: the CLI's other commands do not pay for the JetStream client.
    const { jetstream, jetstreamManager } = await import('@nats-io/jetstream');
    const jsm = await jetstreamManager(nc, { timeout: 5000 });
    try {
      await jsm.streams.info(RUN_STREAM);
    } catch {
      await jsm.streams.add({ name: RUN_STREAM, subjects: [streamSubjects.all], max_age: RUN_STREAM_MAX_AGE_MS * 1_000_000, duplicate_window: DUPLICATE_WINDOW_MS * 1_000_000 });
    }
    return jetstream(nc, { timeout: 5000 });
  } catch (err) {
    throw noJetStream(err, what);
  }
}

/**
 * StreamPublisher publishes one sender's messages to RUN_STREAM in order, each with an id (so a
 * message sent again is stored once) and acknowledged by the stream: what is not acknowledged stays
 * queued (at most MAX_UNACKED; past that the oldest is dropped and logged) and is sent again until it
 * is, so a NATS outage delays messages but loses none.
 */
export class StreamPublisher {
  private readonly js: JetStreamClient;
  private readonly log: (line: string) => void;
  private readonly queue: { subject: string; id: string; data: Uint8Array }[] = [];
  private sending = false;
  private closed = false;
  private failing = false;
  private waiters: (() => void)[] = [];
  /** dropped counts messages dropped from a full queue. */
  dropped = 0;

  constructor(js: JetStreamClient, log: (line: string) => void = () => {}) {
    this.js = js;
    this.log = log;
  }

  /** push queues a message with its de-duplication id and starts sending. */
  push(subject: string, id: string, data: Uint8Array): void {
    if (this.closed) return;
    if (this.queue.length >= MAX_UNACKED) {
      this.queue.shift();
      if (this.dropped++ === 0) this.log(`the stream queue is full (${MAX_UNACKED} messages not acknowledged): dropping the oldest`);
    }
    this.queue.push({ subject, id, data });
    void this.send();
  }

  /** pending is how many messages wait for their ack. */
  get pending(): number {
    return this.queue.length;
  }

  /** drained resolves when every queued message was acknowledged, or after timeoutMs (false then). */
  drained(timeoutMs: number): Promise<boolean> {
    if (this.queue.length === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** close stops sending (what is still queued is not sent). */
  close(): void {
    this.closed = true;
  }

  private async send(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const m = this.queue[0]!;
        try {
          await this.js.publish(m.subject, m.data, { msgID: m.id, timeout: PUBLISH_TIMEOUT_MS });
          if (this.queue[0] === m) this.queue.shift();
          if (this.failing) this.log(`the stream acknowledges again (${this.queue.length} messages still queued)`);
          this.failing = false;
        } catch (err) {
          if (!this.failing) this.log(`the stream did not acknowledge a message (${(err as Error).message}); kept, sent again until it does`);
          this.failing = true;
          await new Promise((r) => setTimeout(r, RETRY_MS));
        }
      }
    } finally {
      this.sending = false;
    }
    if (this.queue.length === 0) for (const w of this.waiters.splice(0)) w();
  }
}

/** RunReader reads one run's stream messages in order (replayed from the start, then live) until stopped. */
export interface RunReader {
  stop(): void;
}

/**
 * readRun follows a run's messages in RUN_STREAM with an ordered consumer from its first message:
 * replayed in order, then live; after a NATS outage the consumer is re-created where it left off, so
 * nothing is skipped or seen twice. `onMessage` gets each message's subject and data.
 */
export async function readRun(js: JetStreamClient, runId: string, onMessage: (subject: string, data: Uint8Array, seq: number) => void): Promise<RunReader> {
  const consumer = await js.consumers.get(RUN_STREAM, { filter_subjects: streamSubjects.run(runId), deliver_policy: ALL });
  // Short pulls: after a NATS restart the client checks (and if need be re-creates) the consumer
  // every `expires`, so a run's messages flow again within seconds, not the default 30 s.
  const msgs: ConsumerMessages = await consumer.consume({ expires: CONSUME_EXPIRES_MS });
  void (async () => {
    for await (const m of msgs) onMessage(m.subject, m.data, m.seq);
  })().catch(() => {});
  return { stop: () => void msgs.stop() };
}

/**
 * readRunStarted reads a run's run-started record (its first coordinator record) from RUN_STREAM,
 * or undefined when there is none within timeoutMs (no such run, or it expired).
 */
export async function readRunStarted(js: JetStreamClient, runId: string, timeoutMs: number, trusted: ReadonlySet<string>): Promise<Extract<RunRecord, { type: 'run-started' }> | undefined> {
  const consumer = await js.consumers.get(RUN_STREAM, { filter_subjects: streamSubjects.coordinator(runId), deliver_policy: ALL });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = await consumer.next({ expires: Math.max(1000, Math.min(5000, deadline - Date.now())) });
    if (m === null) continue;
    const r = openRecord(m.data, trusted);
    if (r?.type === 'run-started' && r.runId === runId) return r;
  }
  return undefined;
}

/**
 * lastSeqOf is the stream sequence of the last message stored on a subject (0 when none), or
 * undefined when JetStream cannot say (it is restarting): a coordinator asks before it calls a silent
 * agent lost, since its own consumer may lag behind what the agent already stored.
 */
export async function lastSeqOf(js: JetStreamClient, subject: string): Promise<number | undefined> {
  try {
    const jsm = await js.jetstreamManager();
    const m = await jsm.streams.getMessage(RUN_STREAM, { last_by_subj: subject });
    return m?.seq ?? 0;
  } catch (err) {
    return /no message found/i.test((err as Error).message) ? 0 : undefined;
  }
}

/** encodeRecord signs a coordinator's record: `attach` believes only records signed by a key it trusts. */
export function encodeRecord(r: RunRecord, key: SigningKey): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(signPayload(JSON.stringify(r), key)));
}

/** openRecord reads a coordinator's record signed by one of `trusted`, or undefined (unsigned, forged or malformed). */
export function openRecord(data: Uint8Array, trusted: ReadonlySet<string>): RunRecord | undefined {
  try {
    const env = verifyEnvelope(JSON.parse(new TextDecoder().decode(data)) as unknown, trusted);
    if (env.kind !== 'ok') return undefined;
    const r = JSON.parse(env.payload) as RunRecord;
    return typeof r === 'object' && r !== null && (r.type === 'run-started' || r.type === 'run-ended') && typeof r.runId === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}
