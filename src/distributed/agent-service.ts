import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { GauntletError } from '../core/errors.js';
import type { Segment } from '../core/segments.js';
import type { Plan } from '../load/plan.js';
import { decodeSigned, encodeMessage, GAUNTLET_VERSION, HEARTBEAT_MS, ORPHAN_TIMEOUT_MS, PROTOCOL_VERSION, subjects, type AgentMessage } from './agent-protocol.js';
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

  constructor(nc: NatsConnection, options: AgentServiceOptions) {
    this.nc = nc;
    this.options = options;
    this.agentId = options.agentId ?? `${hostname().replace(/[^A-Za-z0-9_-]/g, '_')}-${process.pid}-${randomBytes(3).toString('hex')}`;
  }

  /** start subscribes to discovers and to the agent's own subject. */
  async start(): Promise<void> {
    this.subs.push(
      this.nc.subscribe(subjects.discover, {
        callback: (_err, msg) => {
          if (this.current !== undefined) return; // busy: let the coordinator find someone else
          msg.respond(encodeMessage({ type: 'hello', agentId: this.agentId, host: hostname(), workers: this.options.workers }));
        },
      }),
      this.nc.subscribe(subjects.agent(this.agentId), {
        callback: (_err, msg) => {
          const v = decodeSigned(msg.data, this.options.trusted, this.options.acceptUnsigned);
          const m = v.kind === 'ok' ? v.msg : undefined;
          if (m?.type !== 'assign') {
            const reason = v.kind === 'bad' ? v.reason : `unexpected '${v.msg.type}'`;
            this.options.log?.(`refused a message on ${msg.subject}: ${reason}; nothing of it runs`);
            if (msg.reply) msg.respond(encodeMessage({ type: 'rejected', agentId: this.agentId, reason: `plan refused: ${reason}` }));
            return;
          }
          if (m.protocolVersion !== PROTOCOL_VERSION || m.gauntletVersion !== GAUNTLET_VERSION) {
            const reason = `version mismatch: the coordinator runs Gauntlet ${m.gauntletVersion} (protocol ${m.protocolVersion}), this agent Gauntlet ${GAUNTLET_VERSION} (protocol ${PROTOCOL_VERSION})`;
            this.options.log?.(`refused run ${m.runId}: ${reason}`);
            msg.respond(encodeMessage({ type: 'rejected', agentId: this.agentId, reason }));
            return;
          }
          if (this.ran.has(m.runId)) {
            this.options.log?.(`refused run ${m.runId}: it ran here already (a replayed plan)`);
            msg.respond(encodeMessage({ type: 'rejected', agentId: this.agentId, reason: `run ${m.runId} ran here already` }));
            return;
          }
          if (this.current !== undefined) {
            msg.respond(encodeMessage({ type: 'rejected', agentId: this.agentId, reason: `busy with run ${this.current.runId}` }));
            return;
          }
          const bad = m.plan.parts.find((p) => !SUPPORTED_SCENARIOS.includes(p.scenario.kind));
          if (bad !== undefined) {
            msg.respond(encodeMessage({ type: 'rejected', agentId: this.agentId, reason: `scenario kind '${bad.scenario.kind}' cannot run on agents` }));
            return;
          }
          msg.respond(encodeMessage({ type: 'accepted', agentId: this.agentId, epochMs: performance.timeOrigin + performance.now() }));
          this.ran.add(m.runId);
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
    if (!this.nc.isClosed()) this.nc.publish(subjects.fromAgents(runId), encodeMessage(msg));
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
    const control = this.nc.subscribe(subjects.control(runId), {
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
