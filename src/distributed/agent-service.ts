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
import { LinkState } from './link-state.js';
import { fetchPlan } from './plan-objects.js';
import { RawRowsFile } from './raw-rows-file.js';
import { RunStore, type ObjectRef } from './run-store.js';
import { ensureRunStream, streamSubjects, StreamPublisher } from './snapshot-stream.js';

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

/** JetStreamParts are what an agent uses of JetStream: the object store (plans, data, raw rows) and the run stream. */
interface JetStreamParts {
  readonly store: RunStore;
  readonly js: Awaited<ReturnType<typeof ensureRunStream>>;
}

/** ControlInbox is a run's control subject, subscribed at the assign; `handle` takes what came since and what comes next. */
interface ControlInbox {
  handle(h: (data: Uint8Array) => void): void;
  unsubscribe(): void;
}

/** DRAIN_MS bounds how long an agent waits, at the end of a run, for the stream to acknowledge its last messages. */
const DRAIN_MS = 120_000;

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
  /** claiming: the run whose plan is being fetched (the agent is busy with it). */
  private claiming: string | undefined;
  private jet: Promise<JetStreamParts> | undefined;
  private link: LinkState | undefined;
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
    if (this.current !== undefined || this.claiming !== undefined) return 'running';
    return this.reserved !== undefined && this.reserved.until > performance.now() ? 'reserved' : 'idle';
  }

  private sign(msg: AgentMessage): Uint8Array {
    return encodeSigned(msg, this.key);
  }

  /** refusal says why this agent cannot be claimed for `runId` now, or undefined when it can. */
  private refusal(runId: string): string | undefined {
    const busy = this.current?.runId ?? this.claiming;
    if (busy !== undefined) return `busy with run ${busy}`;
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

  /**
   * start subscribes to discovers, status requests and the agent's own subject. It checks JetStream at
   * once (in the background): a server without it is logged (error and hint); the agent still waits
   * and checks again per run.
   */
  async start(): Promise<void> {
    const tags = this.options.tags ?? {};
    this.link = new LinkState(this.nc);
    void this.jetStream().catch(() => undefined);
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
          const busy = this.current?.runId ?? this.claiming;
          if (busy !== undefined) {
            msg.respond(this.sign({ type: 'rejected', agentId: this.agentId, reason: `busy with run ${busy}` }));
            return;
          }
          if (this.reserved?.runId !== m.runId) {
            msg.respond(this.sign({ type: 'rejected', agentId: this.agentId, reason: `run ${m.runId} did not claim this agent first` }));
            return;
          }
          this.ran.add(m.runId);
          this.reserved = undefined;
          this.claiming = m.runId;
          void this.take(m, (reply) => msg.respond(this.sign(reply)));
        },
      }),
    );
    await this.nc.flush();
  }

  /** jetStream opens the object store and the run stream once (again after a failure), logging a server without JetStream. */
  private jetStream(): Promise<JetStreamParts> {
    this.jet ??= (async () => ({ store: await RunStore.open(this.nc, 'running plans on agents'), js: await ensureRunStream(this.nc, 'running plans on agents') }))();
    this.jet.catch((err: unknown) => {
      this.jet = undefined;
      const e = err as GauntletError;
      this.options.log?.(`error: ${e.message}${e.hint !== undefined ? `\nhint: ${e.hint}` : ''}`);
    });
    return this.jet;
  }

  /**
   * take fetches an assignment's plan and data rows from the object store (each checked against the
   * signed assign's SHA-256, the plan's own signature verified), answers accepted or rejected, and runs it.
   */
  private async take(m: Extract<AgentMessage, { type: 'assign' }>, respond: (reply: AgentMessage) => void): Promise<void> {
    const got = performance.now();
    const log = this.options.log ?? (() => {});
    // Listen to the run's control subject from the assign on: what comes while the plan is fetched waits.
    const control = this.controlInbox(m.runId);
    let taken = false;
    try {
      const jet = await this.jetStream();
      const fetched = await fetchPlan(jet.store, m.planRef, m.data, this.options.trusted, this.options.acceptUnsigned);
      const bad = fetched.plan.parts.find((p) => !SUPPORTED_SCENARIOS.includes(p.scenario.kind));
      if (bad !== undefined) {
        respond({ type: 'rejected', agentId: this.agentId, reason: `scenario kind '${bad.scenario.kind}' cannot run on agents` });
        return;
      }
      log(`run ${m.runId}: fetched the plan (${m.planRef.size} bytes)${m.data.length > 0 ? ` and ${fetched.dataRows} data rows (${fetched.dataBytes} bytes)` : ''} from the object store`);
      respond({ type: 'accepted', agentId: this.agentId, epochMs: performance.timeOrigin + performance.now(), heldMs: performance.now() - got });
      this.claiming = undefined;
      taken = true;
      this.idle = this.runAssignment(m.runId, m.token, { ...fetched.plan, workers: m.workers }, m.segment, jet, control);
    } catch (err) {
      const reason = (err as Error).message;
      log(`refused run ${m.runId}: ${reason}; nothing of it runs`);
      respond({ type: 'rejected', agentId: this.agentId, reason: `plan refused: ${reason}` });
    } finally {
      if (this.claiming === m.runId) this.claiming = undefined;
      if (!taken) control.unsubscribe();
    }
  }

  /** controlInbox subscribes to a run's control subject and keeps what arrives until a handler is set. */
  private controlInbox(runId: string): ControlInbox {
    const early: Uint8Array[] = [];
    let handler: ((data: Uint8Array) => void) | undefined;
    const sub = this.nc.subscribe(this.subjects.control(runId), {
      callback: (_err, msg) => {
        if (handler) handler(msg.data);
        else if (early.length < 1000) early.push(msg.data);
      },
    });
    return {
      handle(h) {
        handler = h;
        for (const d of early.splice(0)) h(d);
      },
      unsubscribe: () => sub.unsubscribe(),
    };
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
    this.link?.close();
  }

  private send(runId: string, msg: AgentMessage): void {
    if (!this.nc.isClosed()) this.nc.publish(this.subjects.fromAgents(runId), this.sign(msg));
  }

  private async runAssignment(runId: string, token: string, plan: Plan, segment: Segment, jet: JetStreamParts, control: ControlInbox): Promise<void> {
    const log = this.options.log ?? (() => {});
    // Snapshots and the done go through the run's stream, acknowledged and in order (none lost in a NATS outage).
    const publisher = new StreamPublisher(jet.js, (line) => log(`run ${runId}: ${line}`));
    const toStream = (msg: AgentMessage, id: string) => publisher.push(streamSubjects.agent(runId, this.agentId), `${runId}.${this.agentId}.${id}`, this.sign(msg));
    const rows = plan.rawRows ? new RawRowsFile() : undefined;
    let resolveStart!: (epochMs: number) => void;
    let ready = false;
    let started = false;
    const start = new Promise<number>((r) => (resolveStart = r)).then((epochMs) => ((started = true), epochMs));
    const runner = new LocalRunner(plan, segment, {
      startEpochMs: () => {
        ready = true;
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
    // While this agent's own link is down (or was, since the last check), silence proves nothing.
    const orphanMs = this.options.orphanTimeoutMs ?? ORPHAN_TIMEOUT_MS;
    let heardAt = performance.now();
    let downMs = this.link?.downMs() ?? 0;
    const watch = setInterval(() => {
      const down = this.link?.downMs() ?? 0;
      if (this.link?.connected === false || down !== downMs) {
        downMs = down;
        heardAt = performance.now();
        return;
      }
      if (performance.now() - heardAt > orphanMs) cur.endEarly!(`no word from the coordinator for ${(orphanMs / 1000).toFixed(1)} s`);
    }, Math.min(250, orphanMs / 4));
    control.handle((data) => {
      const v = decodeSigned(data, this.options.trusted, this.options.acceptUnsigned);
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
    });
    // Ready until the start comes, then heartbeat: a ready lost in a NATS outage is said again.
    cur.heartbeat = setInterval(() => this.send(runId, { type: ready && !started ? 'ready' : 'heartbeat', agentId: this.agentId, token }), HEARTBEAT_MS);
    runner.on('snapshot', (row, snapshot) => toStream({ type: 'snapshot', agentId: this.agentId, token, index: row.index, endMs: row.startMs + row.durationMs, snapshot }, String(row.index)));
    if (rows) runner.on('rows', (worker, batch) => rows.append(worker, batch));
    log(`run ${runId}: segment ${segment.index}/${segment.count} on ${plan.workers} workers`);
    try {
      const result = await runner.run();
      const csv = rows ? await this.putRows(jet, runId, rows) : undefined;
      toStream({
        type: 'done',
        agentId: this.agentId,
        token,
        durationMs: result.durationMs,
        stopReason: result.stopReason,
        ...(result.error !== undefined ? { error: result.error } : {}),
        errors: result.errors,
        ...(result.failures !== undefined ? { failures: result.failures } : {}),
        ...(cur.stopped !== undefined ? { stopped: cur.stopped } : {}),
        ...(csv !== undefined ? { csv } : {}),
      }, 'done');
      log(`run ${runId}: ${result.stopReason}, ${result.metrics.counters['iterations'] ?? 0} iterations in ${(result.durationMs / 1000).toFixed(2)} s`);
    } catch (err) {
      const message = err instanceof GauntletError || err instanceof Error ? err.message : String(err);
      toStream({ type: 'done', agentId: this.agentId, token, durationMs: 0, stopReason: 'failed', error: message, errors: [] }, 'done');
      log(`run ${runId}: failed: ${message}`);
    } finally {
      rows?.remove();
      if (!(await publisher.drained(DRAIN_MS))) log(`run ${runId}: ${publisher.pending} messages were not acknowledged by the stream within ${DRAIN_MS / 1000} s; given up`);
      publisher.close();
      clearInterval(cur.heartbeat);
      clearInterval(watch);
      control.unsubscribe();
      await this.nc.flush().catch(() => {});
      this.current = undefined;
    }
  }

  /** putRows puts the agent's raw rows in the object store (its done carries the ref); a failure is logged, the run's result still goes. */
  private async putRows(jet: JetStreamParts, runId: string, rows: RawRowsFile): Promise<ObjectRef | undefined> {
    try {
      const ref = await jet.store.put(`${runId}/csv/${this.agentId}`, rows.bytes());
      this.options.log?.(`run ${runId}: raw rows put in the object store (${ref.size} bytes)`);
      return ref;
    } catch (err) {
      this.options.log?.(`run ${runId}: could not put the raw rows in the object store: ${(err as Error).message}`);
      return undefined;
    }
  }
}
