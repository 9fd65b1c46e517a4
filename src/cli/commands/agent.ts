import { availableParallelism } from 'node:os';
import { Command } from 'commander';
import { connectNatsForever } from '../../api/distributed-run.js';
import { formatDuration, parseDuration } from '../../core/duration.js';
import { ExitCode, usageError } from '../../core/errors.js';
import { parsePositiveInt } from '../../core/units.js';
import { keyFingerprint } from '../../distributed/agent-protocol.js';
import { AgentService } from '../../distributed/agent-service.js';
import { urlOf } from '../../distributed/nats-connection.js';
import { loadSigningKey, parseTrustedKey } from '../../distributed/plan-signing.js';
import { err, onStop, strictCommand } from '../io.js';
import { addNatsFlags, natsOptionsOf, type NatsFlagValues } from './nats-flags.js';
import { parseSubjectPrefix, parseTags, SUBJECT_PREFIX_HELP } from './fleet-flags.js';

interface AgentFlags extends NatsFlagValues {
  nats: string;
  workers?: string;
  id?: string;
  quiet?: boolean;
  orphanTimeout: string;
  trust: string[];
  insecureAcceptUnsignedPlans?: boolean;
  subjectPrefix?: string;
  tag: string[];
}

/**
 * agentCommand is `gauntlet agent --nats URL`: a stateless process that waits for coordinators
 * (`gauntlet bench|run … --agents N --nats URL`) and runs its segment of their plans on its cores.
 * It runs until SIGINT/SIGTERM/SIGHUP; a run in progress is stopped gracefully (in-flight requests
 * get the grace period) and reported as `stopped`, so its coordinator knows the run was cut short.
 * It waits for NATS and reconnects for ever; a run whose coordinator is silent for --orphan-timeout
 * is stopped gracefully and the agent is idle again.
 */
export function agentCommand(setExit: (code: number) => void): Command {
  const cmd = strictCommand(new Command('agent'))
    .description('serve as a load agent: wait on NATS for coordinators (bench or run with --agents N) and run their plans')
    .requiredOption('--nats <url>', 'NATS server URL, e.g. nats://127.0.0.1:4222')
    .option('-w, --workers <n>', 'worker threads offered per run (default: one per core)')
    .option('--id <name>', 'agent id (default: host-pid-random); letters, digits, - and _')
    .option('-q, --quiet', 'no log lines')
    .option('--orphan-timeout <duration>', "stop a run gracefully when its coordinator is silent this long (it died or is cut off)", '3s')
    .option('--trust <key|file>', "also run plans signed by this public key (see: gauntlet key); repeatable; this user's own key is always trusted", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--insecure-accept-unsigned-plans', 'DANGEROUS: also run unsigned plans, so anyone who can publish to NATS runs code here')
    .option('--tag <key=value>', 'a tag coordinators can pick this agent by (--agent-tag key=value); repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--subject-prefix <name>', SUBJECT_PREFIX_HELP);
  return addNatsFlags(cmd)
    .action(async (f: AgentFlags) => {
      const nats = natsOptionsOf(f.nats, f);
      const workers = f.workers !== undefined ? parsePositiveInt(f.workers, '--workers') : Math.max(1, availableParallelism());
      if (f.id !== undefined && !/^[A-Za-z0-9_-]+$/.test(f.id)) throw usageError(`--id '${f.id}' has characters NATS subjects cannot carry`, 'use letters, digits, - and _');
      const orphanTimeoutMs = parseDuration(f.orphanTimeout, '--orphan-timeout');
      if (orphanTimeoutMs < 1000) throw usageError(`--orphan-timeout ${f.orphanTimeout} is shorter than a few coordinator heartbeats`, 'use 1s or more (default 3s)');
      const subjectPrefix = parseSubjectPrefix(f.subjectPrefix);
      const tags = parseTags(f.tag, '--tag');
      const key = loadSigningKey();
      const trusted = new Set([key.publicKey, ...f.trust.map((k) => parseTrustedKey(k))]);
      const log = f.quiet ? undefined : (line: string) => err(`${new Date().toISOString()} ${line}\n`);
      if (f.insecureAcceptUnsignedPlans) err('warning: --insecure-accept-unsigned-plans: this agent runs unsigned plans; anyone who can publish to NATS runs code as this user\n');
      let signalled: NodeJS.Signals | undefined;
      const signals = new AbortController();
      const stopped = new Promise<void>((resolve) => {
        onStop((signal) => {
          if (signalled !== undefined) process.exit(ExitCode.interrupted);
          signalled = signal;
          log?.(`stopping (${signal}): the run in progress (if any) finishes its in-flight requests and is reported as stopped`);
          signals.abort();
          resolve();
        });
      });
      const nc = await connectNatsForever(nats, `gauntlet agent ${f.id ?? ''}`.trim(), log ?? (() => {}), signals.signal);
      if (nc === undefined) {
        setExit(ExitCode.interrupted);
        return;
      }
      const agent = new AgentService(nc, {
        workers,
        orphanTimeoutMs,
        trusted,
        key,
        tags,
        acceptUnsigned: f.insecureAcceptUnsignedPlans === true,
        ...(subjectPrefix !== undefined ? { subjectPrefix } : {}),
        ...(f.id !== undefined ? { agentId: f.id } : {}),
        ...(log ? { log } : {}),
      });
      await agent.start();
      // Coordinators count only agents whose key they trust: elsewhere than this user's, they need this one.
      log?.(`agent ${agent.agentId} signs with public key ${key.publicKey} (${keyFingerprint(key.publicKey)}); a coordinator of another user needs: --trust-agent ${key.publicKey}`);
      const tagText = Object.entries(tags).map(([k, v]) => ` ${k}=${v}`).join('');
      log?.(`agent ${agent.agentId} on ${urlOf(nats)} offers ${workers} workers, orphan timeout ${formatDuration(orphanTimeoutMs)}${subjectPrefix !== undefined ? `, subject prefix ${subjectPrefix}` : ''}${tagText ? `, tags${tagText}` : ''}; waiting for runs (Ctrl-C ends it)`);
      const closed = nc.closed().then((e) => {
        if (e) log?.(`NATS connection closed: ${e.message}`);
      });
      await Promise.race([stopped, closed]);
      await agent.close(signalled !== undefined ? `the agent received ${signalled}` : 'the NATS connection closed');
      await nc.drain().catch(() => {});
      setExit(signalled !== undefined ? ExitCode.interrupted : ExitCode.runtime);
    });
}
