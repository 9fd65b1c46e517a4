import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { NatsConnection } from '@nats-io/transport-node';
import { epochToLocal, systemClock } from '../core/clock.js';
import { GauntletError, usageError } from '../core/errors.js';
import { splitSegment, wholeSegment, type Segment } from '../core/segments.js';
import type { Plan } from '../load/plan.js';
import { CLAIM_TTL_MS, decodeSigned, encodeMessage, encodeSigned, GAUNTLET_VERSION, HEARTBEAT_MS, keyFingerprint, LOST_AFTER_MS, NATS_TOKEN, openSigned, PROTOCOL_VERSION, subjectsFor, type AgentMessage, type Subjects } from './agent-protocol.js';
import { loadSigningKey, type SigningKey } from './plan-signing.js';
import { SUPPORTED_SCENARIOS } from './agent-service.js';
import { buildDistributedResult, type AgentOutcome } from './coordinator-result.js';
import type { RunEvents } from '../runner/run-handle.js';
import type { RunResult } from '../metrics/run-result.js';
import { IntervalMerger } from '../metrics/interval-merger.js';
import type { JetStreamClient } from '@nats-io/jetstream';
import { LinkState } from './link-state.js';
import { shipPlan, type ShippedPlan } from './plan-objects.js';
import { readRawRows } from './raw-rows-file.js';
import { RunStore, sha256Hex, type ObjectRef } from './run-store.js';
import { encodeRecord, ensureRunStream, lastSeqOf, openRecord, readRun, streamSubjects, StreamPublisher, type RunReader, type RunRecord } from './snapshot-stream.js';

/** START_DELAY_MS leaves the agents time to receive the start (over the network) before t0. */
const START_DELAY_MS = 250;

/** CoordinatorOptions: how many agents to find, and how long to look for them. */
export interface CoordinatorOptions {
  readonly agents: number;
  /** discoverTimeoutMs bounds the search for (and claims of) idle agents (default 10 s); their readiness gets at least READY_TIMEOUT_MS. */
  readonly discoverTimeoutMs?: number;
  /** lostAfterMs: an agent silent this long is lost (default LOST_AFTER_MS). */
  readonly lostAfterMs?: number;
  /** natsUrl names the server in messages. */
  readonly natsUrl?: string;
  /** key signs the plans and control messages (default: this user's key, loadSigningKey()). */
  readonly key?: SigningKey;
  /** log receives the run id at the start and a line per dropped message (default: stderr, the first MAX_DROP_LOGS drops). */
  readonly log?: (line: string) => void;
  /** trustAgents: other users' keys whose agents count and whose `gauntlet stop` is obeyed, besides the coordinator's own key (--trust-agent). */
  readonly trustAgents?: readonly string[];
  /** subjectPrefix: the first token of every subject (default 'gauntlet'); only agents of the same prefix are seen. */
  readonly subjectPrefix?: string;
  /** agentTags: only agents whose hello carries every one of these tags are used (--agent-tag key=value). */
  readonly agentTags?: Readonly<Record<string, string>>;
  /** onAgentLoss: `fail` (default) stops the run when an agent is lost; `continue` goes on without it and says so in the result. */
  readonly onAgentLoss?: 'fail' | 'continue';
  /** runId names the run (default: a fresh random id; `attach` gives the id of the run it follows). */
  readonly runId?: string;
}

type Hello = Extract<AgentMessage, { type: 'hello' }> & { readonly key: string };

/** READY_TIMEOUT_MS: the least time agents get to build their workers after the assignment. */
const READY_TIMEOUT_MS = 30_000;

/** AgentEntry is what the coordinator tracks of one agent (the token kept as its SHA-256, which is what `attach` knows too; `key` the agent's signing key). */
type AgentEntry = AgentOutcome & { tokenSha256: string; key: string; offsetMs: number; lastSeen: number; lastIndex: number; ready: boolean; csv?: ObjectRef; streamSeq?: number; checking?: boolean };

/** ASSIGN_TIMEOUT_MS bounds an agent's answer to its assign (it fetches the plan and data rows from the object store first). */
const ASSIGN_TIMEOUT_MS = 30_000;

/** MAX_DROP_LOGS bounds the lines logged for dropped messages, so a flood cannot flood stderr. */
const MAX_DROP_LOGS = 10;

/**
 * Coordinator runs a Plan on agents over NATS, in the place of LocalRunner (the same events and
 * result): it finds N idle agents, hands each its exact segment, starts them at one instant (each
 * agent's clock offset corrected), merges their interval snapshots exactly, and marks an agent that
 * is silent for `lostAfterMs` as lost: the run then stops, keeps what was collected, and says so.
 */
export class Coordinator extends EventEmitter<RunEvents> {
  readonly plan: Plan;
  readonly runId: string;
  private nc!: NatsConnection;
  private readonly options: CoordinatorOptions;
  private readonly agents = new Map<string, AgentEntry>();
  private store!: RunStore;
  private js!: JetStreamClient;
  private records: StreamPublisher | undefined;
  private shipped: ShippedPlan | undefined;
  private link: LinkState | undefined;
  private lastDownMs = 0;
  /** ended: the coordinator's run-ended record, when `follow` read one. */
  private ended: Extract<RunRecord, { type: 'run-ended' }> | undefined;
  private started = false;
  private requested: 'stop' | 'abort' | undefined;
  private failure: string | undefined;
  private readonly merger: IntervalMerger;
  private interrupted: 'interrupted' | 'aborted' | undefined;
  private wake: () => void = () => {};
  private key!: SigningKey;
  private dropped = 0;
  private readonly subjects: Subjects;
  private trustedAgents!: ReadonlySet<string>;
  /** t0: the start instant on this process's clock (losses are dated from it). */
  private t0: number | undefined;
  /** noted: agents already logged as untrusted (one line each, not one per discovery round). */
  private readonly noted = new Set<string>();

  constructor(plan: Plan, options: CoordinatorOptions) {
    super();
    this.plan = plan;
    this.options = options;
    this.runId = options.runId ?? randomBytes(6).toString('hex');
    this.merger = new IntervalMerger(plan.intervalMs);
    this.subjects = subjectsFor(options.subjectPrefix);
    const bad = plan.parts.find((p) => !SUPPORTED_SCENARIOS.includes(p.scenario.kind));
    if (bad !== undefined) throw usageError(`--agents runs bench, script and durability plans; this plan has a '${bad.scenario.kind}' scenario`, 'run it without --agents');
    const codeless = plan.parts.find((p) => p.scenario.kind === 'script' && typeof p.scenario['code'] !== 'string');
    if (codeless !== undefined) throw usageError(`the script plan part '${codeless.name}' does not carry its code for the agents`, 'prepare it with prepareScriptRun({ ..., shipCode: true })');
  }

  /** run finds the agents over `nc` (which stays open: the caller owns it), runs the plan on them and resolves with the merged result. */
  async run(nc: NatsConnection): Promise<RunResult> {
    this.nc = nc;
    this.key = this.options.key ?? loadSigningKey();
    this.trustedAgents = new Set([this.key.publicKey, ...(this.options.trustAgents ?? [])]);
    const timeoutMs = this.options.discoverTimeoutMs ?? 10_000;
    // JetStream first: a server without it is one error and hint, before anything else is said.
    await this.openJetStream();
    const stopSub = this.nc.subscribe(this.subjects.coordinator(this.runId), { callback: (_e, msg) => this.onStopRequest(msg.data, (d) => void msg.respond(d)) });
    const prefix = this.options.subjectPrefix !== undefined ? ` --subject-prefix ${this.options.subjectPrefix}` : '';
    this.log(`gauntlet: run ${this.runId}: looking for ${this.options.agents} agent${this.options.agents === 1 ? '' : 's'} (stop it with: gauntlet stop ${this.runId} --nats ${this.options.natsUrl ?? 'URL'}${prefix})`);
    let hellos: Hello[];
    try {
      hellos = await this.discover(timeoutMs);
    } catch (err) {
      stopSub.unsubscribe();
      throw err;
    }
    const sub = this.nc.subscribe(this.subjects.fromAgents(this.runId), { callback: (_e, msg) => this.onMessage(msg.data, false) });
    const reader = await this.readStream();
    this.link = new LinkState(nc);
    const check = setInterval(() => this.checkSilence(), 200);
    // Say we are alive to the agents, from the assignment to the end: an agent whose coordinator
    // goes silent (killed, cut off) stops its share gracefully instead of loading the target on.
    const alive = setInterval(() => this.publish({ type: 'alive', runId: this.runId }), HEARTBEAT_MS);
    try {
      await this.assign(hellos);
      const prefixFlag = this.options.subjectPrefix !== undefined ? ` --subject-prefix ${this.options.subjectPrefix}` : '';
      this.log(`gauntlet: run ${this.runId} on ${hellos.length} agents (follow it with: gauntlet attach ${this.runId} --nats ${this.options.natsUrl ?? 'URL'}${prefixFlag})`);
      // Building workers can take seconds on a busy machine: readiness gets at least READY_TIMEOUT_MS.
      const readyMs = Math.max(timeoutMs, READY_TIMEOUT_MS);
      await this.until(() => [...this.agents.values()].every((a) => a.ready || a.state !== 'running'), readyMs, 'agents did not get ready');
      if (this.failure !== undefined) {
        this.publish({ type: 'abort', runId: this.runId });
        throw new GauntletError('GAUNTLET_WORKER_FAILED', this.failure);
      }
      const startEpochMs = performance.timeOrigin + performance.now() + START_DELAY_MS;
      const perAgent: Record<string, number> = {};
      for (const [id, a] of this.agents) perAgent[id] = startEpochMs + a.offsetMs;
      const t0 = epochToLocal(startEpochMs);
      this.t0 = t0;
      this.started = true;
      this.publish({ type: 'start', runId: this.runId, startEpochMs: perAgent });
      if (this.requested !== undefined) this.publish({ type: this.requested, runId: this.runId });
      this.record({
        type: 'run-started',
        runId: this.runId,
        planRef: this.shipped!.planRef,
        startEpochMs,
        agents: [...this.agents.values()].map((a) => ({ agentId: a.agentId, host: a.host, workers: a.workers, segment: a.segment, tokenSha256: a.tokenSha256, key: a.key })),
      });
      this.emit('started', t0);
      await this.until(() => [...this.agents.values()].every((a) => a.state !== 'running'));
      return await this.finish(startEpochMs, t0);
    } finally {
      clearInterval(check);
      clearInterval(alive);
      sub.unsubscribe();
      stopSub.unsubscribe();
      reader.stop();
      this.link.close();
      // The plan stays for `attach` (it expires with the bucket); the data rows are no longer needed.
      if (this.shipped !== undefined) await this.store.remove(this.shipped.dataObjects);
      if (this.records !== undefined && !(await this.records.drained(10_000))) this.drop(`${this.records.pending} run records the stream did not acknowledge`);
      this.records?.close();
    }
  }

  /**
   * follow rebuilds a run from its stream (`gauntlet attach`): the agents and their segments from the
   * coordinator's run-started record, then every snapshot and done, replayed from the start and
   * live, merged the same way as `run`. With `adopt`, it says the run is alive (signed `alive`, with
   * this user's key) while agents still run, so a run whose coordinator died goes on; stop() asks
   * the agents to stop. It resolves when every agent is done (or lost), or the coordinator's
   * run-ended record says how the run ended.
   */
  async follow(nc: NatsConnection, started: Extract<RunRecord, { type: 'run-started' }>, adopt: boolean): Promise<RunResult> {
    this.nc = nc;
    this.key = this.options.key ?? loadSigningKey();
    this.trustedAgents = new Set([this.key.publicKey, ...(this.options.trustAgents ?? [])]);
    await this.openJetStream(false);
    const now = performance.now();
    for (const a of started.agents) this.agents.set(a.agentId, { ...a, state: 'running', offsetMs: 0, lastSeen: now, lastIndex: -1, ready: true, counters: {} });
    this.started = true;
    const sub = this.nc.subscribe(this.subjects.fromAgents(this.runId), { callback: (_e, msg) => this.onMessage(msg.data, false) });
    this.link = new LinkState(nc);
    const reader = await this.readStream();
    const check = setInterval(() => this.checkSilence(), 200);
    const alive = adopt ? setInterval(() => [...this.agents.values()].some((a) => a.state === 'running') && this.publish({ type: 'alive', runId: this.runId }), HEARTBEAT_MS) : undefined;
    const t0 = epochToLocal(started.startEpochMs);
    this.emit('started', t0);
    try {
      await this.until(() => this.ended !== undefined || [...this.agents.values()].every((a) => a.state !== 'running'));
      if (this.ended !== undefined) {
        for (const a of this.agents.values()) if (a.state === 'running') a.state = 'lost';
        if (this.ended.error !== undefined) this.failure ??= this.ended.error;
        if (this.ended.stopReason === 'interrupted' || this.ended.stopReason === 'aborted') this.interrupted ??= this.ended.stopReason;
      }
      return await this.finish(started.startEpochMs, t0);
    } finally {
      clearInterval(check);
      clearInterval(alive);
      sub.unsubscribe();
      reader.stop();
      this.link.close();
    }
  }

  /** openJetStream opens the object store and the run stream before anything else, so a server without JetStream fails at once. */
  private async openJetStream(write = true): Promise<void> {
    const what = write ? 'running on agents' : 'attaching to a run';
    this.store = await RunStore.open(this.nc, what);
    this.js = await ensureRunStream(this.nc, what);
    if (write) this.records = new StreamPublisher(this.js, (line) => this.drop(`a run record: ${line}`));
  }

  /** readStream follows this run's stream: agents' snapshots and dones to onMessage, the coordinator's records to onRecord. */
  private readStream(): Promise<RunReader> {
    const own = streamSubjects.coordinator(this.runId);
    return readRun(this.js, this.runId, (subject, data, seq) => (subject === own ? this.onRecord(data) : this.onMessage(data, true, seq)));
  }

  private onRecord(data: Uint8Array): void {
    const r = openRecord(data, this.trustedAgents);
    if (r === undefined) return this.drop('a run record that is not signed by a trusted key');
    if (r.type === 'run-ended' && r.runId === this.runId) this.ended = r;
    this.wake();
  }

  /** record writes one of the coordinator's decisions to the run's stream (for attach). */
  private record(r: RunRecord): void {
    this.records?.push(streamSubjects.coordinator(this.runId), `${this.runId}.coordinator.${r.type}`, encodeRecord(r, this.key));
  }

  /** finish flushes the last intervals, hands the agents' raw rows to the reporters and builds the result. */
  private async finish(startEpochMs: number, t0: number): Promise<RunResult> {
    this.flushIntervals(true);
    await this.collectRawRows();
    const stopReason = this.failure !== undefined ? 'failed' : (this.interrupted ?? 'completed');
    this.record({ type: 'run-ended', runId: this.runId, stopReason, ...(this.failure !== undefined ? { error: this.failure } : {}) });
    return buildDistributedResult({
      plan: this.plan,
      startEpochMs,
      fallbackDurationMs: systemClock.now() - t0,
      totals: this.merger.totals,
      intervals: this.merger.rows,
      agents: [...this.agents.values()],
      stopReason,
      ...(this.failure !== undefined ? { error: this.failure } : {}),
    });
  }

  /** collectRawRows reads each agent's raw rows from the object store, in agent order, and emits them whole (`rows`) for --csv. */
  private async collectRawRows(): Promise<void> {
    if (!this.plan.rawRows) return;
    for (const a of this.agents.values()) {
      if (a.csv === undefined) {
        if (a.state !== 'lost') this.drop(`no raw rows from ${a.agentId}`);
        continue;
      }
      try {
        readRawRows(await this.store.get(a.csv), (worker, rows) => this.emit('rows', worker, rows));
      } catch (err) {
        this.drop(`the raw rows of ${a.agentId}: ${(err as Error).message}`);
      }
    }
    if (this.records !== undefined) await this.store.remove([...this.agents.values()].flatMap((a) => (a.csv !== undefined ? [a.csv.name] : [])));
  }

  /** stop ends the run early on every agent; in-flight iterations get the grace period. */
  stop(): void {
    if (this.requested !== undefined) return;
    this.requested = 'stop';
    this.interrupted ??= 'interrupted';
    if (this.started) this.publish({ type: 'stop', runId: this.runId });
  }

  /** abort ends in-flight iterations on every agent at once; what was recorded is kept. */
  abort(): void {
    this.requested = 'abort';
    this.interrupted = 'aborted';
    if (this.started) this.publish({ type: 'abort', runId: this.runId });
  }

  private publish(msg: AgentMessage): void {
    if (!this.nc.isClosed()) this.nc.publish(this.subjects.control(this.runId), encodeSigned(msg, this.key));
  }

  private log(line: string): void {
    (this.options.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(line);
  }

  /**
   * onStopRequest is `gauntlet stop RUN_ID`: a stop-run of this run signed by a trusted key stops the
   * run gracefully, exactly as Ctrl-C does (interrupted, exit 130); anything else is refused and logged.
   */
  private onStopRequest(data: Uint8Array, respond: (data: Uint8Array) => void): void {
    const v = decodeSigned(data, this.trustedAgents);
    const reason = v.kind === 'bad' ? v.reason : v.msg.type !== 'stop-run' ? `unexpected '${v.msg.type}'` : v.msg.runId !== this.runId ? `a stop of another run (${v.msg.runId})` : undefined;
    if (reason !== undefined) {
      this.drop(`a stop request: ${reason}`);
      return respond(encodeSigned({ type: 'rejected', agentId: '', reason: `stop refused: ${reason}` }, this.key));
    }
    this.log(`gauntlet: run ${this.runId}: stop requested (gauntlet stop); letting in-flight requests finish (up to ${this.plan.graceMs / 1000}s)`);
    respond(encodeSigned({ type: 'stopping', runId: this.runId }, this.key));
    this.stop();
    this.wake();
  }

  /** helloOf reads a discovery answer: a hello signed by a trusted key, from an agent with every wanted tag. */
  private helloOf(data: Uint8Array): Hello | undefined {
    const v = openSigned(data);
    if (v.kind === 'bad' || v.msg.type !== 'hello' || !NATS_TOKEN.test(v.msg.agentId)) {
      this.drop(`a discovery answer: ${v.kind === 'bad' ? v.reason : 'not a hello with a valid agent id'}`);
      return undefined;
    }
    const h = v.msg;
    if (!this.trustedAgents.has(v.key)) {
      const note = `${h.agentId} ${v.key}`;
      if (!this.noted.has(note)) {
        this.noted.add(note);
        this.drop(`the hello of agent ${h.agentId} on ${h.host}: signed by an untrusted key ${keyFingerprint(v.key)} (to use it: --trust-agent ${v.key})`);
      }
      return undefined;
    }
    const want = this.options.agentTags ?? {};
    if (Object.entries(want).some(([k, val]) => h.tags?.[k] !== val)) return undefined;
    return { ...h, key: v.key };
  }

  /** claim reserves an agent for this run; undefined when it did, else why not. The answer must be signed by the agent's own key. */
  private async claim(h: Hello): Promise<string | undefined> {
    try {
      const reply = await this.nc.request(this.subjects.agent(h.agentId), encodeSigned({ type: 'claim', runId: this.runId }, this.key), { timeout: 2000 });
      const v = openSigned(reply.data);
      if (v.kind === 'bad' || v.key !== h.key) return `its answer is not signed by its key${v.kind === 'bad' ? ` (${v.reason})` : ''}`;
      if (v.msg.type === 'claimed' && v.msg.runId === this.runId) return undefined;
      return v.msg.type === 'rejected' ? v.msg.reason : `unexpected '${v.msg.type}'`;
    } catch (err) {
      return (err as Error).message;
    }
  }

  /**
   * discover finds and claims N idle agents: it asks for hellos (trusted, with the wanted tags) and
   * claims agents one by one until N are reserved for this run; an agent another coordinator claimed
   * first refuses, and the search goes on with the others (and with agents that become idle) until the
   * discovery timeout. Claims held are renewed while it waits; on failure they are released.
   */
  private async discover(timeoutMs: number): Promise<Hello[]> {
    const want = this.options.agents;
    const claimed = new Map<string, { hello: Hello; at: number }>();
    const refused = new Map<string, string>();
    const deadline = performance.now() + timeoutMs;
    while (claimed.size < want && performance.now() < deadline && this.requested === undefined) {
      const found = new Map<string, Hello>();
      try {
        const replies = await this.nc.requestMany(this.subjects.discover, encodeMessage({ type: 'discover' }), { strategy: 'timer', maxWait: 300 });
        for await (const msg of replies) {
          const h = this.helloOf(msg.data);
          if (h !== undefined) found.set(h.agentId, h);
        }
      } catch {
        // no responders yet: agents may still be starting (or all are busy)
        await new Promise((r) => setTimeout(r, 300));
      }
      for (const [id, c] of claimed) {
        if (performance.now() - c.at < CLAIM_TTL_MS / 3) continue;
        if ((await this.claim(c.hello)) === undefined) c.at = performance.now();
        else claimed.delete(id);
      }
      for (const h of [...found.values()].sort((a, b) => (a.agentId < b.agentId ? -1 : 1))) {
        if (claimed.size >= want) break;
        if (claimed.has(h.agentId)) continue;
        const why = await this.claim(h);
        if (why === undefined) {
          claimed.set(h.agentId, { hello: h, at: performance.now() });
          refused.delete(h.agentId);
        } else refused.set(h.agentId, why);
      }
    }
    if (claimed.size < want) {
      for (const { hello } of claimed.values()) this.nc.publish(this.subjects.agent(hello.agentId), encodeSigned({ type: 'release', runId: this.runId }, this.key));
      const tags = Object.entries(this.options.agentTags ?? {}).map(([k, v]) => `${k}=${v}`);
      const others = refused.size > 0 ? `; ${refused.size} more refused the claim (${[...refused.values()][0]})` : '';
      throw new GauntletError('GAUNTLET_RUNTIME', `found ${claimed.size} of ${want} idle agents${tags.length > 0 ? ` tagged ${tags.join(', ')}` : ''} on ${this.options.natsUrl ?? 'NATS'} within ${timeoutMs / 1000} s${others}`, {
        hint: `start agents with: gauntlet agent --nats ${this.options.natsUrl ?? 'nats://HOST:4222'}${this.options.subjectPrefix !== undefined ? ` --subject-prefix ${this.options.subjectPrefix}` : ''} (see them all with: gauntlet agents), or wait longer with --agent-discovery-timeout`,
      });
    }
    return [...claimed.values()].map((c) => c.hello).sort((a, b) => (a.agentId < b.agentId ? -1 : 1));
  }

  /** assign hands each agent its segment and measures its clock offset (NTP-style, half the round trip). */
  private async assign(hellos: Hello[]): Promise<void> {
    const segments = splitSegment(wholeSegment, hellos.length);
    const users = Math.max(...this.plan.parts.map((p) => (p.executor.kind === 'open' ? p.executor.connections : Math.max(...p.executor.steps.map((s) => s.users)))));
    const perAgentUsers = Math.ceil(users / hellos.length);
    // The plan (signed) and its data rows go to the object store; the assigns carry their refs.
    this.shipped = await shipPlan(this.store, this.runId, this.plan, this.key, segments);
    const answers = await Promise.all(
      hellos.map(async (h, i) => {
        const segment: Segment = segments[i]!;
        const workers = Math.max(1, Math.min(h.workers, perAgentUsers));
        const sent = performance.timeOrigin + performance.now();
        const token = randomBytes(16).toString('hex');
        // Not timed for silence until it answers (it fetches the plan first; the request has its own timeout).
        this.agents.set(h.agentId, { tokenSha256: sha256Hex(token), key: h.key, agentId: h.agentId, host: h.host, workers, segment, state: 'running', offsetMs: 0, lastSeen: Number.POSITIVE_INFINITY, lastIndex: -1, ready: false, counters: {} });
        try {
          const assign: AgentMessage = { type: 'assign', runId: this.runId, token, planRef: this.shipped!.planRef, data: this.shipped!.dataFor[i]!, workers, segment, gauntletVersion: GAUNTLET_VERSION, protocolVersion: PROTOCOL_VERSION };
          const reply = await this.nc.request(this.subjects.agent(h.agentId), encodeSigned(assign, this.key), { timeout: ASSIGN_TIMEOUT_MS });
          const got = performance.timeOrigin + performance.now();
          const v = openSigned(reply.data);
          const m = v.kind === 'ok' && v.key === h.key ? v.msg : undefined;
          // NTP-style, less the time the agent held the request (fetching the plan).
          this.agents.get(h.agentId)!.lastSeen = performance.now();
          if (m?.type === 'accepted') this.agents.get(h.agentId)!.offsetMs = m.epochMs - (sent + got + (m.heldMs ?? 0)) / 2;
          return m?.type === 'accepted' ? undefined : `agent ${h.agentId} refused the run: ${m?.type === 'rejected' ? m.reason : 'no answer'}`;
        } catch (err) {
          return `agent ${h.agentId} did not take the run: ${(err as Error).message}`;
        }
      }),
    );
    const refused = answers.find((a) => a !== undefined);
    if (refused !== undefined) {
      this.publish({ type: 'abort', runId: this.runId });
      throw new GauntletError('GAUNTLET_WORKER_FAILED', refused, { hint: 'start fresh agents, or ask for fewer with --agents' });
    }
  }

  /** until resolves once cond() holds (checked on every message and silence check), or rejects after timeoutMs. */
  private until(cond: () => boolean, timeoutMs?: number, what = ''): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = timeoutMs !== undefined ? setTimeout(() => (this.failure ??= `${what} within ${timeoutMs / 1000} s`, this.wake()), timeoutMs) : undefined;
      const test = () => {
        if (cond() || (timeoutMs !== undefined && this.failure !== undefined)) {
          clearTimeout(timer);
          this.wake = () => {};
          resolve();
        }
      };
      this.wake = test;
      test();
    });
  }

  /** drop logs a message that was not used (bounded: MAX_DROP_LOGS lines). */
  private drop(what: string): void {
    this.dropped++;
    if (this.dropped > MAX_DROP_LOGS) return;
    const log = this.options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    log(`gauntlet: run ${this.runId}: dropped ${what}${this.dropped === MAX_DROP_LOGS ? ' (further drops are not logged)' : ''}`);
  }

  /** onMessage takes an agent's message: ready and heartbeat on the run's subject, snapshot and done from its stream (`viaStream`). */
  private onMessage(data: Uint8Array, viaStream: boolean, seq = 0): void {
    const v = openSigned(data);
    if (v.kind === 'bad') return this.drop(`a message: ${v.reason}`);
    const m = v.msg;
    if ((m.type === 'snapshot' || m.type === 'done') !== viaStream) return this.drop(`a '${m.type}' ${viaStream ? 'in' : 'outside'} the run's stream`);
    if (!('agentId' in m) || !('token' in m)) return this.drop(`a '${m.type}' message that agents do not send`);
    const a = this.agents.get(m.agentId);
    if (a === undefined) return this.drop(`a '${m.type}' from '${m.agentId}', which is not an agent this run claimed`);
    if (a.tokenSha256 !== sha256Hex(m.token)) return this.drop(`a '${m.type}' said to be from ${m.agentId}, without the token this run gave it`);
    if (a.key !== v.key) return this.drop(`a '${m.type}' said to be from ${m.agentId}, signed by another key than its hello (${keyFingerprint(v.key)})`);
    if (a.state === 'lost' || (m.type === 'done' && a.state !== 'running')) return;
    a.lastSeen = performance.now();
    if (viaStream) a.streamSeq = Math.max(a.streamSeq ?? 0, seq);
    switch (m.type) {
      case 'ready':
        a.ready = true;
        break;
      case 'snapshot': {
        // The stream delivers each agent's snapshots in order; one seen before (sent again) is not merged twice.
        if (m.index <= a.lastIndex) break;
        try {
          this.merger.add(m.index, m.snapshot, m.endMs);
        } catch (err) {
          this.drop(`a snapshot of ${a.agentId} that does not decode: ${(err as Error).message}`);
          break;
        }
        for (const k in m.snapshot.counters) a.counters[k] = (a.counters[k] ?? 0) + m.snapshot.counters[k]!;
        a.lastIndex = m.index;
        this.flushIntervals(false);
        break;
      }
      case 'done':
        a.state = m.stopReason === 'failed' ? 'failed' : m.stopped !== undefined ? 'stopped' : 'done';
        a.durationMs = m.durationMs;
        a.errors = m.errors;
        if (m.failures !== undefined) a.failures = m.failures;
        if (m.error !== undefined) a.error = m.error;
        if (m.csv !== undefined) a.csv = m.csv;
        if (m.stopReason === 'failed') this.fail(`agent ${a.agentId} failed: ${m.error ?? 'unknown error'}`);
        else if (m.stopped !== undefined) {
          // The agent ended its share early on its own (SIGTERM from systemd or Kubernetes): the run
          // is short of its plan, so it is not `completed`; what the agent did is kept.
          a.error = `stopped: ${m.stopped}`;
          this.fail(`agent ${a.agentId} on ${a.host} stopped before its share was done (${m.stopped}); the result holds what it did`);
        }
        this.flushIntervals(false);
        break;
      default:
        break;
    }
    this.wake();
  }

  private fail(message: string): void {
    this.failure ??= message;
    if (this.requested === undefined) {
      this.requested = 'stop';
      if (this.started) this.publish({ type: 'stop', runId: this.runId });
    }
  }

  /** checkSilence marks agents that sent nothing for lostAfterMs as lost and stops the run. */
  private checkSilence(): void {
    const limit = this.options.lostAfterMs ?? LOST_AFTER_MS;
    const now = performance.now();
    // While this coordinator's own link is down (or went down since the last check), agents' silence
    // proves nothing: loss timing starts again once it is back.
    if (this.nc.isClosed()) {
      // The connection gave up reconnecting: no agent can be heard any more.
      for (const a of this.agents.values()) if (a.state === 'running') this.markLost(a, limit);
      return;
    }
    const down = this.link?.downMs() ?? 0;
    if (this.link?.connected === false || down !== this.lastDownMs) {
      this.lastDownMs = down;
      for (const a of this.agents.values()) a.lastSeen = now;
      return;
    }
    for (const a of this.agents.values()) {
      if (a.state !== 'running' || now - a.lastSeen <= limit || a.checking === true) continue;
      // Its heartbeats stopped; before calling it lost, ask the stream whether it stored more from the
      // agent than this coordinator's consumer delivered yet (the consumer lags after a NATS restart).
      a.checking = true;
      void lastSeqOf(this.js, streamSubjects.agent(this.runId, a.agentId)).then((last) => {
        a.checking = false;
        if (last === undefined || last > (a.streamSeq ?? 0)) a.lastSeen = performance.now();
        else if (a.state === 'running' && performance.now() - a.lastSeen > limit) this.markLost(a, limit);
      });
    }
    this.wake();
  }

  /** markLost marks a silent agent lost: it stops the run, or with --on-agent-loss continue dates the loss and goes on. */
  private markLost(a: AgentEntry, limit: number): void {
    a.state = 'lost';
    a.error = `silent for ${(limit / 1000).toFixed(1)} s`;
    if (this.options.onAgentLoss === 'continue') {
      // The run goes on without it (the user chose so); the result dates the loss and says what did not run.
      a.lostAtMs = this.t0 !== undefined ? Math.max(0, a.lastSeen - this.t0) : 0;
      this.log(`gauntlet: run ${this.runId}: agent ${a.agentId} on ${a.host} was lost (no heartbeat for ${(limit / 1000).toFixed(1)} s); going on without it (--on-agent-loss continue)`);
      // Should it only be cut off and come back, it must not load the target uncounted: release it.
      if (!this.nc.isClosed()) this.nc.publish(this.subjects.agent(a.agentId), encodeSigned({ type: 'release', runId: this.runId }, this.key));
    } else this.fail(`agent ${a.agentId} on ${a.host} was lost (no heartbeat for ${(limit / 1000).toFixed(1)} s); the result holds what it sent before`);
    this.flushIntervals(false);
    this.wake();
  }

  /** flushIntervals emits every interval that all live agents have reported, in order. */
  private flushIntervals(all: boolean): void {
    const agents = [...this.agents.values()];
    for (const { row } of this.merger.flush((k) => agents.every((a) => a.state !== 'running' || a.lastIndex >= k), all)) this.emit('interval', row, this.merger.totals);
  }
}
