import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { NatsConnection } from '@nats-io/transport-node';
import { epochToLocal, systemClock } from '../core/clock.js';
import { GauntletError, usageError } from '../core/errors.js';
import { splitSegment, wholeSegment, type Segment } from '../core/segments.js';
import type { Plan } from '../load/plan.js';
import { decodeMessage, encodeMessage, encodeSigned, GAUNTLET_VERSION, HEARTBEAT_MS, LOST_AFTER_MS, PROTOCOL_VERSION, subjects, type AgentMessage } from './agent-protocol.js';
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
import { ensureRunStream, lastSeqOf, readRun, streamSubjects, StreamPublisher, type RunReader, type RunRecord } from './snapshot-stream.js';

/** START_DELAY_MS leaves the agents time to receive the start (over the network) before t0. */
const START_DELAY_MS = 250;

/** CoordinatorOptions: how many agents to find, and how long to look for them. */
export interface CoordinatorOptions {
  readonly agents: number;
  /** discoverTimeoutMs bounds the search for agents and their readiness (default 10 s). */
  readonly discoverTimeoutMs?: number;
  /** lostAfterMs: an agent silent this long is lost (default LOST_AFTER_MS). */
  readonly lostAfterMs?: number;
  /** natsUrl names the server in messages. */
  readonly natsUrl?: string;
  /** key signs the plans and control messages (default: this user's key, loadSigningKey()). */
  readonly key?: SigningKey;
  /** log receives a line per dropped message (default: stderr, the first MAX_DROP_LOGS of them). */
  readonly log?: (line: string) => void;
  /** runId names the run (default: a fresh random id; `attach` gives the id of the run it follows). */
  readonly runId?: string;
}

/** AgentEntry is what the coordinator tracks of one agent (the token kept as its SHA-256, which is what `attach` knows too). */
type AgentEntry = AgentOutcome & { tokenSha256: string; offsetMs: number; lastSeen: number; lastIndex: number; ready: boolean; csv?: ObjectRef; streamSeq?: number; checking?: boolean };

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

  constructor(plan: Plan, options: CoordinatorOptions) {
    super();
    this.plan = plan;
    this.options = options;
    this.runId = options.runId ?? randomBytes(6).toString('hex');
    this.merger = new IntervalMerger(plan.intervalMs);
    const bad = plan.parts.find((p) => !SUPPORTED_SCENARIOS.includes(p.scenario.kind));
    if (bad !== undefined) throw usageError(`--agents runs bench and script plans; this plan has a '${bad.scenario.kind}' scenario`, 'run it without --agents');
    const codeless = plan.parts.find((p) => p.scenario.kind === 'script' && typeof p.scenario['code'] !== 'string');
    if (codeless !== undefined) throw usageError(`the script plan part '${codeless.name}' does not carry its code for the agents`, 'prepare it with prepareScriptRun({ ..., shipCode: true })');
  }

  /** run finds the agents over `nc` (which stays open: the caller owns it), runs the plan on them and resolves with the merged result. */
  async run(nc: NatsConnection): Promise<RunResult> {
    this.nc = nc;
    this.key = this.options.key ?? loadSigningKey();
    const timeoutMs = this.options.discoverTimeoutMs ?? 10_000;
    await this.openJetStream();
    const hellos = await this.discover(timeoutMs);
    const sub = this.nc.subscribe(subjects.fromAgents(this.runId), { callback: (_e, msg) => this.onMessage(msg.data, false) });
    const reader = await this.readStream();
    this.link = new LinkState(nc);
    const check = setInterval(() => this.checkSilence(), 200);
    // Say we are alive to the agents, from the assignment to the end: an agent whose coordinator
    // goes silent (killed, cut off) stops its share gracefully instead of loading the target on.
    const alive = setInterval(() => this.publish({ type: 'alive', runId: this.runId }), HEARTBEAT_MS);
    try {
      await this.assign(hellos);
      (this.options.log ?? ((line: string) => process.stderr.write(`${line}\n`)))(`gauntlet: run ${this.runId} on ${hellos.length} agents (follow it with: gauntlet attach ${this.runId} --nats ${this.options.natsUrl ?? 'URL'})`);
      await this.until(() => [...this.agents.values()].every((a) => a.ready || a.state !== 'running'), timeoutMs, 'agents did not get ready');
      if (this.failure !== undefined) {
        this.publish({ type: 'abort', runId: this.runId });
        throw new GauntletError('GAUNTLET_WORKER_FAILED', this.failure);
      }
      const startEpochMs = performance.timeOrigin + performance.now() + START_DELAY_MS;
      const perAgent: Record<string, number> = {};
      for (const [id, a] of this.agents) perAgent[id] = startEpochMs + a.offsetMs;
      const t0 = epochToLocal(startEpochMs);
      this.started = true;
      this.publish({ type: 'start', runId: this.runId, startEpochMs: perAgent });
      if (this.requested !== undefined) this.publish({ type: this.requested, runId: this.runId });
      this.record({
        type: 'run-started',
        runId: this.runId,
        planRef: this.shipped!.planRef,
        startEpochMs,
        agents: [...this.agents.values()].map((a) => ({ agentId: a.agentId, host: a.host, workers: a.workers, segment: a.segment, tokenSha256: a.tokenSha256 })),
      });
      this.emit('started', t0);
      await this.until(() => [...this.agents.values()].every((a) => a.state !== 'running'));
      return await this.finish(startEpochMs, t0);
    } finally {
      clearInterval(check);
      clearInterval(alive);
      sub.unsubscribe();
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
    await this.openJetStream(false);
    const now = performance.now();
    for (const a of started.agents) this.agents.set(a.agentId, { ...a, state: 'running', offsetMs: 0, lastSeen: now, lastIndex: -1, ready: true, counters: {} });
    this.started = true;
    const sub = this.nc.subscribe(subjects.fromAgents(this.runId), { callback: (_e, msg) => this.onMessage(msg.data, false) });
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
    try {
      const r = JSON.parse(new TextDecoder().decode(data)) as RunRecord;
      if (r.type === 'run-ended' && r.runId === this.runId) this.ended = r;
    } catch {
      return this.drop('a run record that is not JSON');
    }
    this.wake();
  }

  /** record writes one of the coordinator's decisions to the run's stream (for attach). */
  private record(r: RunRecord): void {
    this.records?.push(streamSubjects.coordinator(this.runId), `${this.runId}.coordinator.${r.type}`, new TextEncoder().encode(JSON.stringify(r)));
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
    if (!this.nc.isClosed()) this.nc.publish(subjects.control(this.runId), encodeSigned(msg, this.key));
  }

  /** discover asks for idle agents until N answered or the time is up. */
  private async discover(timeoutMs: number): Promise<Extract<AgentMessage, { type: 'hello' }>[]> {
    const want = this.options.agents;
    const found = new Map<string, Extract<AgentMessage, { type: 'hello' }>>();
    const deadline = performance.now() + timeoutMs;
    while (found.size < want && performance.now() < deadline && this.requested === undefined) {
      try {
        const replies = await this.nc.requestMany(subjects.discover, encodeMessage({ type: 'discover' }), { strategy: 'timer', maxWait: 300 });
        for await (const msg of replies) {
          const v = decodeMessage(msg.data);
          if (v.kind === 'ok' && v.msg.type === 'hello' && /^[A-Za-z0-9_-]+$/.test(v.msg.agentId)) found.set(v.msg.agentId, v.msg);
          else this.drop(`a discovery answer: ${v.kind === 'bad' ? v.reason : 'not a hello with a valid agent id'}`);
        }
      } catch {
        // no responders yet: agents may still be starting
        await new Promise((r) => setTimeout(r, 300));
      }
    }
    if (found.size < want) {
      throw new GauntletError('GAUNTLET_RUNTIME', `found ${found.size} of ${want} idle agents on ${this.options.natsUrl ?? 'NATS'} within ${timeoutMs / 1000} s`, {
        hint: `start agents with: gauntlet agent --nats ${this.options.natsUrl ?? 'nats://HOST:4222'}`,
      });
    }
    return [...found.values()].sort((a, b) => (a.agentId < b.agentId ? -1 : 1)).slice(0, want);
  }

  /** assign hands each agent its segment and measures its clock offset (NTP-style, half the round trip). */
  private async assign(hellos: Extract<AgentMessage, { type: 'hello' }>[]): Promise<void> {
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
        this.agents.set(h.agentId, { tokenSha256: sha256Hex(token), agentId: h.agentId, host: h.host, workers, segment, state: 'running', offsetMs: 0, lastSeen: Number.POSITIVE_INFINITY, lastIndex: -1, ready: false, counters: {} });
        try {
          const assign: AgentMessage = { type: 'assign', runId: this.runId, token, planRef: this.shipped!.planRef, data: this.shipped!.dataFor[i]!, workers, segment, gauntletVersion: GAUNTLET_VERSION, protocolVersion: PROTOCOL_VERSION };
          const reply = await this.nc.request(subjects.agent(h.agentId), encodeSigned(assign, this.key), { timeout: ASSIGN_TIMEOUT_MS });
          const got = performance.timeOrigin + performance.now();
          const v = decodeMessage(reply.data);
          const m = v.kind === 'ok' ? v.msg : undefined;
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
    const v = decodeMessage(data);
    if (v.kind === 'bad') return this.drop(`a message: ${v.reason}`);
    const m = v.msg;
    if ((m.type === 'snapshot' || m.type === 'done') !== viaStream) return this.drop(`a '${m.type}' ${viaStream ? 'in' : 'outside'} the run's stream`);
    if (!('agentId' in m) || !('token' in m)) return this.drop(`a '${m.type}' message that agents do not send`);
    const a = this.agents.get(m.agentId);
    if (a === undefined) return this.drop(`a '${m.type}' from '${m.agentId}', which is not an agent this run claimed`);
    if (a.tokenSha256 !== sha256Hex(m.token)) return this.drop(`a '${m.type}' said to be from ${m.agentId}, without the token this run gave it`);
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

  /** markLost marks a silent agent lost and stops the run. */
  private markLost(a: AgentEntry, limit: number): void {
    a.state = 'lost';
    a.error = `silent for ${(limit / 1000).toFixed(1)} s`;
    this.fail(`agent ${a.agentId} on ${a.host} was lost (no heartbeat for ${(limit / 1000).toFixed(1)} s); the result holds what it sent before`);
    this.flushIntervals(false);
    this.wake();
  }

  /** flushIntervals emits every interval that all live agents have reported, in order. */
  private flushIntervals(all: boolean): void {
    const agents = [...this.agents.values()];
    for (const { row } of this.merger.flush((k) => agents.every((a) => a.state !== 'running' || a.lastIndex >= k), all)) this.emit('interval', row, this.merger.totals);
  }
}
