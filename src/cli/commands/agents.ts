import { Command } from 'commander';
import { listAgents } from '../../api/fleet.js';
import { parseTrustedKey } from '../../distributed/plan-signing.js';
import { urlOf } from '../../distributed/nats-connection.js';
import { addNatsFlags, natsOptionsOf, type NatsFlagValues } from './nats-flags.js';
import { out, outData, strictCommand } from '../io.js';
import { addPrefixFlag, addTrustAgentFlag, parseSubjectPrefix } from './fleet-flags.js';

interface AgentsFlags extends NatsFlagValues {
  nats?: string;
  subjectPrefix?: string;
  trustAgent: string[];
  json?: boolean;
}

/**
 * agentsCommand is `gauntlet agents`: every agent on the NATS server under the prefix, idle or busy,
 * from its signed answer to a status request: id, host, state, workers, version, tags, current run
 * and key fingerprint. Agents whose key this user does not trust are listed, marked untrusted.
 */
export function agentsCommand(setExit: (code: number) => void): Command {
  const cmd = strictCommand(new Command('agents'))
    .description('list the agents on NATS (idle, reserved or running): state, workers, version, tags, run, key')
    .option('--nats <url>', 'NATS server the agents listen on (default: nats://127.0.0.1:4222)')
    .option('--json', 'print the list as JSON');
  addNatsFlags(addTrustAgentFlag(addPrefixFlag(cmd)));
  return cmd.action(async (f: AgentsFlags) => {
    const subjectPrefix = parseSubjectPrefix(f.subjectPrefix);
    const trustAgents = f.trustAgent.map((k) => parseTrustedKey(k, '--trust-agent'));
    const nats = natsOptionsOf(f.nats ?? 'nats://127.0.0.1:4222', f);
    const agents = await listAgents({ nats, trustAgents, ...(subjectPrefix !== undefined ? { subjectPrefix } : {}) });
    if (f.json) {
      outData(`${JSON.stringify(agents, null, 1)}\n`);
    } else if (agents.length === 0) {
      out(`No agents answered on ${urlOf(nats)}${subjectPrefix !== undefined ? ` under the prefix ${subjectPrefix}` : ''}.\n`);
    } else {
      const rows = [
        ['ID', 'HOST', 'STATE', 'WORKERS', 'VERSION', 'TAGS', 'RUN', 'KEY'],
        ...agents.map((a) => [
          a.id,
          a.host,
          a.state,
          String(a.workers),
          a.version,
          Object.entries(a.tags).map(([k, v]) => `${k}=${v}`).join(',') || '-',
          a.runId ?? '-',
          `${a.fingerprint}${a.trusted ? '' : ' (untrusted)'}`,
        ]),
      ];
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const r of rows) out(`${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}\n`);
      const untrusted = agents.filter((a) => !a.trusted);
      if (untrusted.length > 0) out(`\n${untrusted.length} untrusted: a coordinator here does not use them; to use one: --trust-agent KEY (gauntlet agents --json shows each key).\n`);
    }
    setExit(0);
  });
}
