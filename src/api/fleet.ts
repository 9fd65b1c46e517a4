import type { NatsConnection } from '@nats-io/transport-node';
import { GauntletError } from '../core/errors.js';
import { encodeMessage, encodeSigned, keyFingerprint, openSigned, subjectsFor } from '../distributed/agent-protocol.js';
import { loadSigningKey } from '../distributed/plan-signing.js';
import { connectNats, type NatsConnectOptions } from '../distributed/nats-connection.js';

/** AgentListing is one agent as `gauntlet agents` lists it, from its signed status answer. */
export interface AgentListing {
  readonly id: string;
  readonly host: string;
  readonly state: 'idle' | 'reserved' | 'running';
  readonly workers: number;
  readonly version: string;
  readonly tags: Readonly<Record<string, string>>;
  /** runId: the run it runs or is reserved for. */
  readonly runId?: string;
  /** key: the agent's public key; fingerprint: its short name (SHA256:…). */
  readonly key: string;
  readonly fingerprint: string;
  /** trusted: this user trusts the key (its own, or a --trust-agent key): a coordinator here would use the agent. */
  readonly trusted: boolean;
}

/** FleetOptions say where to look: the NATS server, the subject prefix, and which other keys to trust. */
export interface FleetOptions {
  /** nats: the server's URL, or the URL with credentials and TLS files. */
  readonly nats: string | NatsConnectOptions;
  readonly subjectPrefix?: string;
  readonly trustAgents?: readonly string[];
  /** waitMs: how long to collect answers (default 1 s). */
  readonly waitMs?: number;
}

async function withNats<T>(url: string | NatsConnectOptions, name: string, use: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connectNats(url, name);
  try {
    return await use(nc);
  } finally {
    await nc.close().catch(() => {});
  }
}

/**
 * listAgents asks every agent on the NATS server under the prefix (idle, reserved or running) for
 * its status and lists the answers by id. An answer must be signed (its signature checked against
 * its own key); untrusted agents are listed, marked, rather than hidden: it is how an operator
 * learns the key to give --trust-agent. Unsigned or malformed answers are left out.
 */
export async function listAgents(options: FleetOptions): Promise<AgentListing[]> {
  const trusted = new Set([loadSigningKey().publicKey, ...(options.trustAgents ?? [])]);
  return withNats(options.nats, 'gauntlet agents', async (nc) => {
    const found = new Map<string, AgentListing>();
    try {
      const replies = await nc.requestMany(subjectsFor(options.subjectPrefix).status, encodeMessage({ type: 'status' }), { strategy: 'timer', maxWait: options.waitMs ?? 1000 });
      for await (const msg of replies) {
        const v = openSigned(msg.data);
        if (v.kind === 'bad' || v.msg.type !== 'agent-status') continue;
        const m = v.msg;
        found.set(`${m.agentId} ${v.key}`, {
          id: m.agentId,
          host: m.host,
          state: m.state,
          workers: m.workers,
          version: m.version,
          tags: m.tags,
          ...(m.runId !== undefined ? { runId: m.runId } : {}),
          key: v.key,
          fingerprint: keyFingerprint(v.key),
          trusted: trusted.has(v.key),
        });
      }
    } catch (err) {
      // no responders: no agent listens under this prefix
      if (!/no responders/i.test((err as Error).message) && (err as { code?: string }).code !== '503') throw err;
    }
    return [...found.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  });
}

/** StopOutcome is what `gauntlet stop` got: the coordinator stops the run, refused, or nobody answered. */
export type StopOutcome = { readonly kind: 'stopping' } | { readonly kind: 'refused'; readonly reason: string } | { readonly kind: 'nobody' };

/**
 * stopRun asks the coordinator of `runId` to stop it gracefully, as Ctrl-C would: a stop-run signed
 * with this user's key on the run's coordinator subject. The coordinator obeys only keys it trusts.
 */
export async function stopRun(runId: string, options: FleetOptions): Promise<StopOutcome> {
  const key = loadSigningKey();
  return withNats(options.nats, 'gauntlet stop', async (nc) => {
    try {
      const reply = await nc.request(subjectsFor(options.subjectPrefix).coordinator(runId), encodeSigned({ type: 'stop-run', runId }, key), { timeout: options.waitMs ?? 3000 });
      const v = openSigned(reply.data);
      if (v.kind === 'ok' && v.msg.type === 'stopping' && v.msg.runId === runId) return { kind: 'stopping' };
      if (v.kind === 'ok' && v.msg.type === 'rejected') return { kind: 'refused', reason: v.msg.reason };
      throw new GauntletError('GAUNTLET_RUNTIME', `the answer to the stop of run ${runId} is not one a coordinator sends${v.kind === 'bad' ? `: ${v.reason}` : ''}`);
    } catch (err) {
      if (err instanceof GauntletError) throw err;
      return { kind: 'nobody' };
    }
  });
}
