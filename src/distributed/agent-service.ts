import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { GauntletError } from '../core/errors.js';
import type { Segment } from '../core/segments.js';
import type { Plan } from '../load/plan.js';
import { CLAIM_TTL_MS, decodeSigned, encodeSigned, GAUNTLET_VERSION, HEARTBEAT_MS, ORPHAN_TIMEOUT_MS, PROTOCOL_VERSION, subjectsFor, type AgentMessage, type Subjects } from './agent-protocol.js';
import { loadSigningKey, type SigningKey } from './plan-signing.js';
import { LocalRunner } from '../runner/local-runner.js';

/** AgentServiceOptions configure an agent: its id and how many worker threads it offers. */
export interface AgentServiceOptions {
  readonly agentId?: string;
  readonly workers: number;
  /** log receives one line per event (assigned, started, done); nothing when absent. */
  readonly log?: (line: string) => void;
  /** orphanTimeoutMs: a run whose coordinator is silent this long is stopped gracefully (default ORPHAN_TIMEOUT_MS). */
  readonly orphanTimeoutMs?: number;
  /** trusted are the public keys (raw base64) whose signed plans and control messages this agent obeys. */
  readonly trusted: ReadonlySet<string>;
  /** acceptUnsigned also runs unsigned plans (--insecure-accept-unsigned-plans): anyone on NATS runs code here. */
  readonly acceptUnsigned?: boolean;
  /** key signs every message the agent sends (default: this user's key, loadSigningKey()); coordinators count only agents whose key they trust. */
  readonly key?: SigningKey;
  /** subjectPrefix: the first token of every subject (default 'gauntlet'); coordinators of another prefix never see this agent. */
  readonly subjectPrefix?: string;
  /** tags are the agent's --tag key=value pairs, carried in its hello (coordinators pick by --agent-tag). */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * SUPPORTED_SCENARIOS are the scenario kinds an agent can build from the plan alone: bench, scripts
 * whose spec carries the bundle's code (agents write it out with materializeBundle), and durability
 * mixes (plain data: the behaviours' requests to the server's URL; the server stays with the coordinator).
 */
export const SUPPORTED_SCENARIOS: readonly string[] = ['bench', 'script', 'durability'];

interface CurrentRun {
  readonly runId: string;
  readonly token: string;
  readonly runner: LocalRunner;
  heartbeat?: NodeJS.Timeout;
  /** stopped: why this agent ended the run early on its own (sent in its done). */
  stopped?: string;
  /** endEarly stops the run gracefully on the agent's own account (also before the start). */
  endEarly?: (why: string) => void;
}

/**
 * AgentService is a stateless agent on a NATS connection: it answers discovers while idle, takes
 * one assignment at a time, runs its segment on worker threads (LocalRunner) from the start instant
 * its coordinator gives, forwards every merged interval snapshot, sends heartbeats and a done.
 */
export class AgentService {
  readonly agentId: string;
  private readonly nc: NatsConnection;
  private readonly options: AgentServiceOptions;
  private readonly subs: Subscription[] = [];
  private current: CurrentRun | undefined;
  private idle: Promise<void> = Promise.resolve();
  /** ran holds the run ids this agent took, so a captured signed plan cannot be replayed to it. */
  private readonly ran = new Set<string>();
  /** reserved: the run that claimed this agent and until when (performance.now()); its assign is the only one taken. */
  private reserved: { runId: string; until: number } | undefined;
  private readonly key: SigningKey;
  private readonly subjects: Subjects;

  constructor(nc: NatsConnection, options: AgentServiceOptions) {
    this.nc = nc;
    this.options = options;
    this.agentId = options.agentId ?? `${hostname().replace(/[^A-Za-z0-9_-]/g, '_')}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.key = options.key ?? loadSigningKey();
    this.subjects = subjectsFor(options.subjectPrefix);
  }

  /** publicKey is the key this agent signs with (coordinators elsewhere trust it with --trust-agent). */
  get publicKey(): string {
    return this.key.publicKey;
  }

  /** state is what `gauntlet agents` shows: running a run, reserved by a claim, or idle. */
  get state(): 'idle' | 'reserved' | 'running' {
    if (this.current !== undefined) return 'running';
    return this.reserved !== undefined && this.reserved.until > performance.now() ? 'reserved' : 'idle';
  }

  private sign(msg: AgentMessage): Uint8Array {
    return encodeSigned(msg, this.key);
  }

  /** refusal says why this agent cannot be claimed for `runId` now, or undefined when it can. */
  private refusal(runId: string): string | undefined {
    if (this.current !== undefined) return `busy with run ${this.current.runId}`;
    if (this.ran.has(runId)) return `run ${runId} ran here already`;
    if (this.state === 'reserved' && this.reserved!.runId !== runId) return `reserved for run ${this.reserved!.runId}`;
    return undefined;
  }

  /**
   * onClaim reserves the agent for a run, atomically (NATS delivers one message at a time): the
   * first coordinator's claim wins; the others are refused and look for another idle agent. A claim
   * lasts CLAIM_TTL_MS; the same run renews it while it still looks for agents, and its assign uses it.
   */
  private onClaim(m: Extract<AgentMessage, { type: 'claim' | 'release' }>, respond: (data: Uint8Array) => void): void {
    if (m.type === 'release') {
      if (this.reserved?.runId === m.runId) this.reserved = undefined;
      // Released mid-run: its coordinator gave it up as lost (cut off, then back) and runs on without it.
      if (this.current?.runId === m.runId) this.current.endEarly?.('its coordinator gave it up as lost and released it');
      return;
    }
    const refused = this.refusal(m.runId);
    if (refused !== undefined) return respond(this.sign({ type: 'rejected', agentId: this.agentId, reason: refused }));
    this.reserved = { runId: m.runId, until: performance.now() + CLAIM_TTL_MS };
    respond(this.sign({ type: 'claimed', agentId: this.agentId, runId: m.runId }));
  }

  /** start subscribes to discovers, status requests and the agent's own subject. */
  async start(): Promise<void> {
    const tags = this.options.tags ?? {};
    this.subs.push(
      this.nc.subscribe(this.subjects.discover, {
        callback: (_err, msg) => {
          if (this.state !== 'idle') return; // busy or reserved: let the coordinator find someone else
          msg.respond(this.sign({ type: 'hello', agentId: this.agentId, host: hostname(), workers: this.options.workers, tags }));
        },
      }),
      this.nc.subscribe(this.subjects.status, {
        callback: (_err, msg) => {
          const runId = this.current?.runId ?? (this.state === 'reserved' ? this.reserved?.runId : undefined);
          msg.respond(this.sign({ type: 'agent-status', agentId: this.agentId, host: hostname(), workers: this.options.workers, state: this.state, version: GAUNTLET_VERSION, tags, ...(runId !== undefined ? { runId } : {}) }));
        },
      }),
      this.nc.subscribe(this.subjects.agent(this.agentId), {
        callback: (_err, msg) => {
          const v = decodeSigned(msg.data, this.options.trusted, this.options.acceptUnsigned);
          const m = v.kind === 'ok' ? v.msg : undefined;
          if (m?.type === 'claim' || m?.type === 'release') return this.onClaim(m, (d) => void msg.respond(d));
          if (m?.type !== 'assign') {
            const reason = v.kind === 'bad' ? v.reason : `unexpected '${v.msg.type}'`;
            this.options.log?.(`refused a message on ${msg.subject}: ${reason}; nothing of it runs`);
            if (msg.reply) msg.respond(this.sign({ type: 'rejected', agentId: this.agentId, reason: `plan refused: ${reason}` }));
            return;
          }
          if (m.protocolVersion !== PROTOCOL_VERSION || m.gauntletVersion !== GAUNTLET_VERSION) {
            const reason = `version mismatch: the coordinator runs Gauntlet ${m.gauntletVersion} (protocol ${m.protocolVersion}), this agent Gauntlet ${GAUNTLET_VERSION} (protocol ${PROTOCOL_VERSION})`;
            this.options.log?.(`refused run ${m.runId}: ${reason}`);
            msg.respond(this.sign({ type: 'rejected', agentId: this.agentId, reason }));
            return;
          }
          if (this.ran.has(m.runId)) {
            this.options.log?.(`refused run ${m.runId}: it ran here already (a replayed plan)`);
            msg.respond(this.sign({ type: 'rejected', agentId: this.agentId, reason: `run ${m.runId} ran here already` }));
            return;
          }
          if (this.current !== undefined) {
            msg.respond(this.sign({ type: 'rejected', agentId: this.agentId, reason: `busy with run ${this.current.runId}` }));
            return;
          }
          if (this.reserved?.runId !== m.runId) {
            msg.respond(this.sign({ type: 'rejected', agentId: this.agentId, reason: `run ${m.runId} did not claim this agent first` }));
            return;
          }
          const bad = m.plan.parts.find((p) => !SUPPORTED_SCENARIOS.includes(p.scenario.kind));
          if (bad !== undefined) {
            msg.respond(this.sign({ type: 'rejected', agentId: this.agentId, reason: `scenario kind '${bad.scenario.kind}' cannot run on agents` }));
            return;
          }
          msg.respond(this.sign({ type: 'accepted', agentId: this.agentId, epochMs: performance.timeOrigin + performance.now() }));
          this.ran.add(m.runId);
          this.reserved = undefined;
          this.idle = this.runAssignment(m.runId, m.token, m.plan, m.segment);
        },
      }),
    );
    await this.nc.flush();
  }

  /**
   * stop ends the current run gracefully: in-flight requests get the grace period and the result
   * still goes to the coordinator, with `why` (e.g. 'received SIGTERM') so it knows the share was cut short.
   */
  stop(why = 'the agent was stopped'): void {
    this.current?.endEarly?.(why);
  }

  /** close stops the current run, waits for it to be reported and unsubscribes. */
  async close(why?: string): Promise<void> {
    this.stop(why);
    await this.idle;
    for (const s of this.subs) s.unsubscribe();
  }

  private send(runId: string, msg: AgentMessage): void {
    if (!this.nc.isClosed()) this.nc.publish(this.subjects.fromAgents(runId), this.sign(msg));
  }

  private async runAssignment(runId: string, token: string, plan: Plan, segment: Segment): Promise<void> {
    const log = this.options.log ?? (() => {});
    let resolveStart!: (epochMs: number) => void;
    const start = new Promise<number>((r) => (resolveStart = r));
    const runner = new LocalRunner(plan, segment, {
      startEpochMs: () => {
        this.send(runId, { type: 'ready', agentId: this.agentId, token });
        return start;
      },
    });
    const cur: CurrentRun = { runId, token, runner };
    this.current = cur;
    cur.endEarly = (why) => {
      if (cur.stopped !== undefined) return;
      cur.stopped = why;
      log(`run ${runId}: stopping: ${why}`);
      runner.stop();
      // A stop before the start: start now, so the workers report an empty run and exit.
      resolveStart(performance.timeOrigin + performance.now());
    };
    // The coordinator says it is alive on the control subject; silent for orphanTimeoutMs, it is
    // gone (killed, cut off): stop the share gracefully and become idle for the next coordinator.
    const orphanMs = this.options.orphanTimeoutMs ?? ORPHAN_TIMEOUT_MS;
    let heardAt = performance.now();
    const watch = setInterval(() => {
      if (performance.now() - heardAt > orphanMs) cur.endEarly!(`no word from the coordinator for ${(orphanMs / 1000).toFixed(1)} s`);
    }, Math.min(250, orphanMs / 4));
    const control = this.nc.subscribe(this.subjects.control(runId), {
      callback: (_err, msg) => {
        const v = decodeSigned(msg.data, this.options.trusted, this.options.acceptUnsigned);
        if (v.kind === 'bad') return log(`run ${runId}: dropped a control message: ${v.reason}`);
        const m = v.msg;
        if (!('runId' in m) || m.runId !== runId) return log(`run ${runId}: dropped a '${m.type}' of another run`);
        // Only a verified message of this run proves the coordinator is alive.
        heardAt = performance.now();
        if (m.type === 'start') resolveStart(m.startEpochMs[this.agentId] ?? performance.timeOrigin + performance.now());
        else if (m.type === 'stop' || m.type === 'abort') {
          log(`run ${runId}: ${m.type} requested by the coordinator`);
          if (m.type === 'stop') runner.stop();
          else runner.abort();
          // A stop before the start: start now, so the workers report an empty run and exit.
          resolveStart(performance.timeOrigin + performance.now());
        }
      },
    });
    cur.heartbeat = setInterval(() => this.send(runId, { type: 'heartbeat', agentId: this.agentId, token }), HEARTBEAT_MS);
    runner.on('snapshot', (row, snapshot) => this.send(runId, { type: 'snapshot', agentId: this.agentId, token, index: row.index, endMs: row.startMs + row.durationMs, snapshot }));
    log(`run ${runId}: segment ${segment.index}/${segment.count} on ${plan.workers} workers`);
    try {
      const result = await runner.run();
      this.send(runId, {
        type: 'done',
        agentId: this.agentId,
        token,
        durationMs: result.durationMs,
        stopReason: result.stopReason,
        ...(result.error !== undefined ? { error: result.error } : {}),
        errors: result.errors,
        ...(result.failures !== undefined ? { failures: result.failures } : {}),
        ...(cur.stopped !== undefined ? { stopped: cur.stopped } : {}),
      });
      log(`run ${runId}: ${result.stopReason}, ${result.metrics.counters['iterations'] ?? 0} iterations in ${(result.durationMs / 1000).toFixed(2)} s`);
    } catch (err) {
      const message = err instanceof GauntletError || err instanceof Error ? err.message : String(err);
      this.send(runId, { type: 'done', agentId: this.agentId, token, durationMs: 0, stopReason: 'failed', error: message, errors: [] });
      log(`run ${runId}: failed: ${message}`);
    } finally {
      clearInterval(cur.heartbeat);
      clearInterval(watch);
      control.unsubscribe();
      await this.nc.flush().catch(() => {});
      this.current = undefined;
    }
  }
}
