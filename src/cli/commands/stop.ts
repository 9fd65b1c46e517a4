import { Command } from 'commander';
import { stopRun } from '../../api/fleet.js';
import { ExitCode, GauntletError, usageError } from '../../core/errors.js';
import { NATS_TOKEN } from '../../distributed/agent-protocol.js';
import { urlOf } from '../../distributed/nats-connection.js';
import { addNatsFlags, natsOptionsOf, type NatsFlagValues } from './nats-flags.js';
import { out, strictCommand } from '../io.js';
import { addPrefixFlag, parseSubjectPrefix } from './fleet-flags.js';

interface StopFlags extends NatsFlagValues {
  nats?: string;
  subjectPrefix?: string;
}

/**
 * stopCommand is `gauntlet stop RUN_ID`: it asks the run's coordinator (a message signed with this
 * user's key) to stop the run gracefully, exactly as Ctrl-C there would; the coordinator prints its
 * summary and exits 130. Nobody answering (no such run) is exit 1; a refusal (an untrusted key) too.
 */
export function stopCommand(setExit: (code: number) => void): Command {
  const cmd = strictCommand(new Command('stop'))
    .description('stop a distributed run gracefully, as Ctrl-C on its coordinator would (the run id is printed when it starts)')
    .argument('<run-id>', 'the run id its coordinator printed at the start')
    .option('--nats <url>', 'NATS server of the run (default: nats://127.0.0.1:4222)');
  addNatsFlags(addPrefixFlag(cmd));
  return cmd.action(async (runId: string, f: StopFlags) => {
    if (!NATS_TOKEN.test(runId)) throw usageError(`'${runId}' is not a run id`, 'give the id the coordinator printed at its start (gauntlet: run ID: …)');
    const subjectPrefix = parseSubjectPrefix(f.subjectPrefix);
    const nats = natsOptionsOf(f.nats ?? 'nats://127.0.0.1:4222', f);
    const outcome = await stopRun(runId, { nats, ...(subjectPrefix !== undefined ? { subjectPrefix } : {}) });
    if (outcome.kind === 'stopping') {
      out(`Run ${runId} is stopping: in-flight requests finish, then its coordinator prints the summary.\n`);
      setExit(ExitCode.ok);
      return;
    }
    if (outcome.kind === 'refused') throw new GauntletError('GAUNTLET_RUNTIME', `the coordinator of run ${runId} refused the stop: ${outcome.reason}`, { hint: "the coordinator obeys its own user's key and its --trust-agent keys" });
    throw new GauntletError('GAUNTLET_RUNTIME', `nobody answered for run ${runId} on ${urlOf(nats)}${subjectPrefix !== undefined ? ` under the prefix ${subjectPrefix}` : ''}: no coordinator runs it (it ended, or the id is wrong)`, { hint: 'a running coordinator prints its run id at the start; check --nats and --subject-prefix' });
  });
}
