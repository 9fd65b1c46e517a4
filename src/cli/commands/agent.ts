import { availableParallelism } from 'node:os';
import { Command } from 'commander';
import { connectNats } from '../../api/distributed-run.js';
import { ExitCode, usageError } from '../../core/errors.js';
import { parsePositiveInt } from '../../core/units.js';
import { AgentService } from '../../distributed/agent-service.js';
import { loadSigningKey, parseTrustedKey } from '../../distributed/plan-signing.js';
import { err, onStop, strictCommand } from '../io.js';

interface AgentFlags {
  nats: string;
  workers?: string;
  id?: string;
  quiet?: boolean;
  trust: string[];
  insecureAcceptUnsignedPlans?: boolean;
}

/**
 * agentCommand is `gauntlet agent --nats URL`: a stateless process that waits for coordinators
 * (`gauntlet bench|run … --agents N --nats URL`) and runs its segment of their plans on its cores.
 * It runs until SIGINT/SIGTERM/SIGHUP; a run in progress is stopped gracefully and still reported.
 */
export function agentCommand(setExit: (code: number) => void): Command {
  return strictCommand(new Command('agent'))
    .description('serve as a load agent: wait on NATS for coordinators (bench or run with --agents N) and run their plans')
    .requiredOption('--nats <url>', 'NATS server URL, e.g. nats://127.0.0.1:4222')
    .option('-w, --workers <n>', 'worker threads offered per run (default: one per core)')
    .option('--id <name>', 'agent id (default: host-pid-random); letters, digits, - and _')
    .option('-q, --quiet', 'no log lines')
    .option('--trust <key|file>', "also run plans signed by this public key (see: gauntlet key); repeatable; this user's own key is always trusted", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--insecure-accept-unsigned-plans', 'DANGEROUS: also run unsigned plans, so anyone who can publish to NATS runs code here')
    .action(async (f: AgentFlags) => {
      const workers = f.workers !== undefined ? parsePositiveInt(f.workers, '--workers') : Math.max(1, availableParallelism());
      if (f.id !== undefined && !/^[A-Za-z0-9_-]+$/.test(f.id)) throw usageError(`--id '${f.id}' has characters NATS subjects cannot carry`, 'use letters, digits, - and _');
      const trusted = new Set([loadSigningKey().publicKey, ...f.trust.map(parseTrustedKey)]);
      const nc = await connectNats(f.nats, `gauntlet agent ${f.id ?? ''}`.trim());
      const log = f.quiet ? undefined : (line: string) => err(`${new Date().toISOString()} ${line}\n`);
      if (f.insecureAcceptUnsignedPlans) err('warning: --insecure-accept-unsigned-plans: this agent runs unsigned plans; anyone who can publish to NATS runs code as this user\n');
      const agent = new AgentService(nc, { workers, trusted, acceptUnsigned: f.insecureAcceptUnsignedPlans === true, ...(f.id !== undefined ? { agentId: f.id } : {}), ...(log ? { log } : {}) });
      await agent.start();
      log?.(`agent ${agent.agentId} on ${f.nats} offers ${workers} workers; waiting for runs (Ctrl-C ends it)`);
      let signalled = false;
      const stopped = new Promise<void>((resolve) => {
        const onSignal = () => {
          if (signalled) process.exit(ExitCode.interrupted);
          signalled = true;
          log?.('stopping: the run in progress (if any) ends gracefully and is reported');
          resolve();
        };
        onStop(onSignal);
      });
      const closed = nc.closed().then((e) => {
        if (e) log?.(`NATS connection closed: ${e.message}`);
      });
      await Promise.race([stopped, closed]);
      await agent.close();
      await nc.drain().catch(() => {});
      setExit(signalled ? ExitCode.interrupted : ExitCode.runtime);
    });
}
