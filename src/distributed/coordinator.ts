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
}

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
  private readonly agents = new Map<string, AgentOutcome & { token: string; offsetMs: number; lastSeen: number; lastIndex: number; ready: boolean }>();
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
    this.merger = new IntervalMerger(plan.intervalMs);
    const bad = plan.parts.find((p) => !SUPPORTED_SCENARIOS.includes(p.scenario.kind));
    if (bad !== undefined) throw usageError(`--agents runs bench, script and durability plans; this plan has a '${bad.scenario.kind}' scenario`, 'run it without --agents');
    const codeless = plan.parts.find((p) => p.scenario.kind === 'script' && typeof p.scenario['code'] !== 'string');
    if (codeless !== undefined) throw usageError(`the script plan part '${codeless.name}' does not carry its code for the agents`, 'prepare it with prepareScriptRun({ ..., shipCode: true })');
    if (plan.rawRows) throw usageError('--csv (one row per request) cannot go with --agents', 'use --json or --timeseries with --agents');
  }

  /** run finds the agents over `nc` (which stays open: the caller owns it), runs the plan on them and resolves with the merged result. */
  async run(nc: NatsConnection): Promise<RunResult> {
    this.nc = nc;
    this.key = this.options.key ?? loadSigningKey();
    const timeoutMs = this.options.discoverTimeoutMs ?? 10_000;
    const hellos = await this.discover(timeoutMs);
    const sub = this.nc.subscribe(subjects.fromAgents(this.runId), { callback: (_e, msg) => this.onMessage(msg.data) });
    const check = setInterval(() => this.checkSilence(), 200);
    // Say we are alive to the agents, from the assignment to the end: an agent whose coordinator
    // goes silent (killed, cut off) stops its share gracefully instead of loading the target on.
    const alive = setInterval(() => this.publish({ type: 'alive', runId: this.runId }), HEARTBEAT_MS);
    try {
      await this.assign(hellos);
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
    const answers = await Promise.all(
      hellos.map(async (h, i) => {
        const segment: Segment = segments[i]!;
        const plan: Plan = { ...this.plan, workers: Math.max(1, Math.min(h.workers, perAgentUsers)) };
        const sent = performance.timeOrigin + performance.now();
        const token = randomBytes(16).toString('hex');
        this.agents.set(h.agentId, { token, agentId: h.agentId, host: h.host, workers: plan.workers, segment, state: 'running', offsetMs: 0, lastSeen: performance.now(), lastIndex: -1, ready: false, counters: {} });
        try {
          const reply = await this.nc.request(subjects.agent(h.agentId), encodeSigned({ type: 'assign', runId: this.runId, token, plan, segment, gauntletVersion: GAUNTLET_VERSION, protocolVersion: PROTOCOL_VERSION }, this.key), { timeout: 5000 });
          const got = performance.timeOrigin + performance.now();
          const v = decodeMessage(reply.data);
          const m = v.kind === 'ok' ? v.msg : undefined;
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
    const v = decodeMessage(data);
    if (v.kind === 'bad') return this.drop(`a message: ${v.reason}`);
    const m = v.msg;
    if (!('agentId' in m) || !('token' in m)) return this.drop(`a '${m.type}' message that agents do not send`);
    const a = this.agents.get(m.agentId);
    if (a === undefined) return this.drop(`a '${m.type}' from '${m.agentId}', which is not an agent this run claimed`);
    if (a.token !== m.token) return this.drop(`a '${m.type}' said to be from ${m.agentId}, without the token this run gave it`);
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
      this.fail(`agent ${a.agentId} on ${a.host} was lost (no heartbeat for ${(limit / 1000).toFixed(1)} s); the result holds what it sent before`);
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
