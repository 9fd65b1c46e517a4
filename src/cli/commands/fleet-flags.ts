import type { Command } from 'commander';
import { parseDuration } from '../../core/duration.js';
import { usageError } from '../../core/errors.js';
import { NATS_TOKEN } from '../../distributed/agent-protocol.js';
import { parseTrustedKey } from '../../distributed/plan-signing.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** parseSubjectPrefix checks a --subject-prefix: one NATS subject token (letters, digits, - and _). */
export function parseSubjectPrefix(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!NATS_TOKEN.test(value)) throw usageError(`--subject-prefix '${value}' is not one NATS subject token`, 'use letters, digits, - and _ (no dots, spaces or wildcards), e.g. --subject-prefix team-a');
  return value;
}

/** parseTags reads repeated `key=value` flags (--tag, --agent-tag) into a record; a malformed one is a usage error. */
export function parseTags(values: readonly string[], flag: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const v of values) {
    const m = /^([A-Za-z0-9_.-]+)=([^\s=]+)$/.exec(v);
    if (m === null) throw usageError(`${flag} '${v}' is not key=value`, `for example ${flag} region=eu (letters, digits, '.', '-' and '_' in the key; no spaces)`);
    tags[m[1]!] = m[2]!;
  }
  return tags;
}

/** SUBJECT_PREFIX_HELP is the help of --subject-prefix, on every command that speaks to agents. */
export const SUBJECT_PREFIX_HELP = 'NATS subject prefix (a team\'s own); agents and coordinators of different prefixes never see each other (default: gauntlet)';

/** addPrefixFlag adds --subject-prefix (agents, coordinators, `gauntlet agents`, `gauntlet stop`). */
export function addPrefixFlag(cmd: Command): Command {
  return cmd.option('--subject-prefix <name>', SUBJECT_PREFIX_HELP);
}

/** addTrustAgentFlag adds --trust-agent KEY|FILE (repeatable). */
export function addTrustAgentFlag(cmd: Command): Command {
  return cmd.option('--trust-agent <key|file>', "also count agents whose messages are signed by this public key (an agent prints it at start; see: gauntlet key); repeatable; this user's own key is always trusted", collect, [] as string[]);
}

/** addFleetFlags adds the flags of a coordinator (the --agents commands) beyond --agents and --nats. */
export function addFleetFlags(cmd: Command): Command {
  addTrustAgentFlag(addPrefixFlag(cmd));
  return cmd
    .option('--agent-tag <key=value>', 'use only agents started with this --tag (repeatable: all must match)', collect, [] as string[])
    .option('--on-agent-loss <rule>', 'when an agent goes silent: fail (stop the run, exit 1) or continue (go on without it; the result says what did not run) (default: fail)')
    .option('--agent-loss-timeout <duration>', 'an agent silent this long is lost (default: 3s)')
    .option('--agent-discovery-timeout <duration>', 'how long to look for (and claim) idle agents; busy ones may become idle meanwhile (default: 10s)');
}

/** FleetFlagValues are the parsed values of addFleetFlags. */
export interface FleetFlagValues {
  subjectPrefix?: string;
  trustAgent?: string[];
  agentTag?: string[];
  onAgentLoss?: string;
  agentLossTimeout?: string;
  agentDiscoveryTimeout?: string;
}

/** fleetOptionsOf validates the coordinator's fleet flags into DistributedSettings fields. */
export function fleetOptionsOf(f: FleetFlagValues) {
  const rule = f.onAgentLoss;
  if (rule !== undefined && rule !== 'fail' && rule !== 'continue') throw usageError(`--on-agent-loss '${rule}' is not fail or continue`, 'use --on-agent-loss fail (the default) or --on-agent-loss continue');
  const lostAfterMs = f.agentLossTimeout !== undefined ? parseDuration(f.agentLossTimeout, '--agent-loss-timeout') : undefined;
  if (lostAfterMs !== undefined && lostAfterMs < 1000) throw usageError(`--agent-loss-timeout ${f.agentLossTimeout} is shorter than two agent heartbeats`, 'use 1s or more (default 3s)');
  const discoverTimeoutMs = f.agentDiscoveryTimeout !== undefined ? parseDuration(f.agentDiscoveryTimeout, '--agent-discovery-timeout') : undefined;
  if (discoverTimeoutMs !== undefined && discoverTimeoutMs < 500) throw usageError(`--agent-discovery-timeout ${f.agentDiscoveryTimeout} is too short to hear from agents`, 'use 500ms or more (default 10s)');
  const subjectPrefix = parseSubjectPrefix(f.subjectPrefix);
  const tags = parseTags(f.agentTag ?? [], '--agent-tag');
  const trustAgents = (f.trustAgent ?? []).map((k) => parseTrustedKey(k, '--trust-agent'));
  return {
    ...(rule !== undefined ? { onAgentLoss: rule as 'fail' | 'continue' } : {}),
    ...(lostAfterMs !== undefined ? { lostAfterMs } : {}),
    ...(discoverTimeoutMs !== undefined ? { discoverTimeoutMs } : {}),
    ...(subjectPrefix !== undefined ? { subjectPrefix } : {}),
    ...(Object.keys(tags).length > 0 ? { agentTags: tags } : {}),
    ...(trustAgents.length > 0 ? { trustAgents } : {}),
  };
}

/** fleetFlagsGiven names the first fleet flag given (they need --agents), or undefined. */
export function fleetFlagGiven(f: FleetFlagValues): string | undefined {
  if (f.subjectPrefix !== undefined) return '--subject-prefix';
  if ((f.trustAgent ?? []).length > 0) return '--trust-agent';
  if ((f.agentTag ?? []).length > 0) return '--agent-tag';
  if (f.onAgentLoss !== undefined) return '--on-agent-loss';
  if (f.agentLossTimeout !== undefined) return '--agent-loss-timeout';
  if (f.agentDiscoveryTimeout !== undefined) return '--agent-discovery-timeout';
  return undefined;
}
