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
  /** trustedAgents: the keys whose agents count and whose `gauntlet stop` is obeyed (default: this user's key alone). */
  readonly trustedAgents?: ReadonlySet<string>;
  /** subjectPrefix: the first token of every subject (default 'gauntlet'); only agents of the same prefix are seen. */
  readonly subjectPrefix?: string;
  /** agentTags: only agents whose hello carries every one of these tags are used (--agent-tag key=value). */
  readonly agentTags?: Readonly<Record<string, string>>;
  /** onAgentLoss: `fail` (default) stops the run when an agent is lost; `continue` goes on without it and says so in the result. */
  readonly onAgentLoss?: 'fail' | 'continue';
}

type Hello = Extract<AgentMessage, { type: 'hello' }> & { readonly key: string };

/** READY_TIMEOUT_MS: the least time agents get to build their workers after the assignment. */
const READY_TIMEOUT_MS = 30_000;

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
  readonly runId = randomBytes(6).toString('hex');
  private nc!: NatsConnection;
  private readonly options: CoordinatorOptions;
  private readonly agents = new Map<string, AgentOutcome & { token: string; key: string; offsetMs: number; lastSeen: number; lastIndex: number; ready: boolean }>();
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
    this.merger = new IntervalMerger(plan.intervalMs);
    this.subjects = subjectsFor(options.subjectPrefix);
    const bad = plan.parts.find((p) => !SUPPORTED_SCENARIOS.includes(p.scenario.kind));
    if (bad !== undefined) throw usageError(`--agents runs bench and script plans; this plan has a '${bad.scenario.kind}' scenario`, 'run it without --agents');
    const codeless = plan.parts.find((p) => p.scenario.kind === 'script' && typeof p.scenario['code'] !== 'string');
    if (codeless !== undefined) throw usageError(`the script plan part '${codeless.name}' does not carry its code for the agents`, 'prepare it with prepareScriptRun({ ..., shipCode: true })');
    if (plan.rawRows) throw usageError('--csv (one row per request) cannot go with --agents', 'use --json or --timeseries with --agents');
  }

  /** run finds the agents over `nc` (which stays open: the caller owns it), runs the plan on them and resolves with the merged result. */
  async run(nc: NatsConnection): Promise<RunResult> {
    this.nc = nc;
    this.key = this.options.key ?? loadSigningKey();
    this.trustedAgents = this.options.trustedAgents ?? new Set([this.key.publicKey]);
    const timeoutMs = this.options.discoverTimeoutMs ?? 10_000;
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
    const sub = this.nc.subscribe(this.subjects.fromAgents(this.runId), { callback: (_e, msg) => this.onMessage(msg.data) });
    const check = setInterval(() => this.checkSilence(), 200);
    // Say we are alive to the agents, from the assignment to the end: an agent whose coordinator
    // goes silent (killed, cut off) stops its share gracefully instead of loading the target on.
    const alive = setInterval(() => this.publish({ type: 'alive', runId: this.runId }), HEARTBEAT_MS);
    try {
      await this.assign(hellos);
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
      this.emit('started', t0);
      await this.until(() => [...this.agents.values()].every((a) => a.state !== 'running'));
      this.flushIntervals(true);
      return buildDistributedResult({
        plan: this.plan,
        startEpochMs,
        fallbackDurationMs: systemClock.now() - t0,
        totals: this.merger.totals,
        intervals: this.merger.rows,
        agents: [...this.agents.values()],
        stopReason: this.failure !== undefined ? 'failed' : (this.interrupted ?? 'completed'),
        ...(this.failure !== undefined ? { error: this.failure } : {}),
      });
    } finally {
      clearInterval(check);
      clearInterval(alive);
      sub.unsubscribe();
      stopSub.unsubscribe();
    }
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
    const answers = await Promise.all(
      hellos.map(async (h, i) => {
        const segment: Segment = segments[i]!;
        const plan: Plan = { ...this.plan, workers: Math.max(1, Math.min(h.workers, perAgentUsers)) };
        const sent = performance.timeOrigin + performance.now();
        const token = randomBytes(16).toString('hex');
        this.agents.set(h.agentId, { token, key: h.key, agentId: h.agentId, host: h.host, workers: plan.workers, segment, state: 'running', offsetMs: 0, lastSeen: performance.now(), lastIndex: -1, ready: false, counters: {} });
        try {
          const reply = await this.nc.request(this.subjects.agent(h.agentId), encodeSigned({ type: 'assign', runId: this.runId, token, plan, segment, gauntletVersion: GAUNTLET_VERSION, protocolVersion: PROTOCOL_VERSION }, this.key), { timeout: 5000 });
          const got = performance.timeOrigin + performance.now();
          const v = openSigned(reply.data);
          const m = v.kind === 'ok' && v.key === h.key ? v.msg : undefined;
          if (m?.type === 'accepted') this.agents.get(h.agentId)!.offsetMs = m.epochMs - (sent + got) / 2;
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

  private onMessage(data: Uint8Array): void {
    const v = openSigned(data);
    if (v.kind === 'bad') return this.drop(`a message: ${v.reason}`);
    const m = v.msg;
    if (!('agentId' in m) || !('token' in m)) return this.drop(`a '${m.type}' message that agents do not send`);
    const a = this.agents.get(m.agentId);
    if (a === undefined) return this.drop(`a '${m.type}' from '${m.agentId}', which is not an agent this run claimed`);
    if (a.token !== m.token) return this.drop(`a '${m.type}' said to be from ${m.agentId}, without the token this run gave it`);
    if (a.key !== v.key) return this.drop(`a '${m.type}' said to be from ${m.agentId}, signed by another key than its hello (${keyFingerprint(v.key)})`);
    if (a.state === 'lost') return;
    a.lastSeen = performance.now();
    switch (m.type) {
      case 'ready':
        a.ready = true;
        break;
      case 'snapshot': {
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
    for (const a of this.agents.values()) {
      if (a.state !== 'running' || now - a.lastSeen <= limit) continue;
      a.state = 'lost';
      a.error = `silent for ${(limit / 1000).toFixed(1)} s`;
      if (this.options.onAgentLoss === 'continue') {
        // The run goes on without it (the user chose so); the result dates the loss and says what did not run.
        a.lostAtMs = this.t0 !== undefined ? Math.max(0, a.lastSeen - this.t0) : 0;
        this.log(`gauntlet: run ${this.runId}: agent ${a.agentId} on ${a.host} was lost (no heartbeat for ${(limit / 1000).toFixed(1)} s); going on without it (--on-agent-loss continue)`);
        // Should it only be cut off and come back, it must not load the target uncounted: release it.
        this.nc.publish(this.subjects.agent(a.agentId), encodeSigned({ type: 'release', runId: this.runId }, this.key));
      } else this.fail(`agent ${a.agentId} on ${a.host} was lost (no heartbeat for ${(limit / 1000).toFixed(1)} s); the result holds what it sent before`);
      this.flushIntervals(false);
    }
    this.wake();
  }

  /** flushIntervals emits every interval that all live agents have reported, in order. */
  private flushIntervals(all: boolean): void {
    const agents = [...this.agents.values()];
    for (const { row } of this.merger.flush((k) => agents.every((a) => a.state !== 'running' || a.lastIndex >= k), all)) this.emit('interval', row, this.merger.totals);
  }
}
