import { Command } from 'commander';
import { parseDuration } from '../../core/duration.js';
import { renderAgents } from '../../distributed/agents-summary.js';
import { renderTextSummary } from '../../report/text-summary.js';
import { renderScriptSummary } from '../../scenarios/script/script-summary.js';
import { out, strictCommand } from '../io.js';
import { addPrefixFlag, parseSubjectPrefix } from './fleet-flags.js';
import { addNatsFlags, natsOptionsOf, type NatsFlagValues } from './nats-flags.js';
import { awaitWithSignals, exitCodeOf, openOutputs, progressReporter, renderOutputFailures } from '../run-and-report.js';

interface AttachFlags extends NatsFlagValues {
  nats: string;
  subjectPrefix?: string;
  json?: string;
  timeseries?: string;
  html?: string;
  quiet?: boolean;
  lostAfter?: string;
}

/**
 * attachCommand is `gauntlet attach RUN_ID`: it rebuilds a distributed run from its JetStream stream
 * (replayed from the start, then live until every agent is done) and prints the same summary and
 * outputs as the coordinator would. It adopts a live run: while attached it keeps the run alive for
 * the agents (a run whose coordinator died goes on), and Ctrl-C stops the run.
 */
export function attachCommand(setExit: (code: number) => void): Command {
  const cmd = strictCommand(new Command('attach'))
    .description('follow a distributed run by its id (from its NATS stream): live view, then the same summary and outputs as its coordinator')
    .argument('<run-id>', 'the run id its coordinator printed (gauntlet: run ID on N agents)')
    .option('--nats <url>', 'NATS server the run used', 'nats://127.0.0.1:4222')
    .option('--json <file>', "write the whole result as JSON ('-': to stdout, and the text summary to stderr)")
    .option('--timeseries <file>', 'write one row per interval')
    .option('--html <file>', 'write a self-contained HTML report with charts')
    .option('--lost-after <duration>', 'an agent silent this long is lost', '3s')
    .option('-q, --quiet', 'no progress output');
  return addNatsFlags(addPrefixFlag(cmd)).action(async (runId: string, f: AttachFlags) => {
      const lostAfterMs = parseDuration(f.lostAfter ?? '3s', '--lost-after');
      const outputs = await openOutputs({ ...(f.json !== undefined ? { json: f.json } : {}), ...(f.timeseries !== undefined ? { timeseries: f.timeseries } : {}), ...(f.html !== undefined ? { html: f.html } : {}) });
      const reporters = [...outputs.reporters];
      const { attachRun } = await import('../../api/attach-run.js');
      const subjectPrefix = parseSubjectPrefix(f.subjectPrefix);
      const handle = await attachRun(runId, { nats: natsOptionsOf(f.nats, f), lostAfterMs, reporters, ...(subjectPrefix !== undefined ? { subjectPrefix } : {}) });
      for (const r of progressReporter(handle.plan, f.quiet)) reporters.push(r);
      const result = await awaitWithSignals(handle, f.quiet);
      const script = handle.plan.parts.some((p) => p.scenario.kind === 'script');
      out(renderTextSummary(result, [renderAgents(result), ...(script ? [renderScriptSummary(result)] : [])]));
      out(renderOutputFailures(outputs.failures));
      setExit(exitCodeOf(result, outputs.failures));
    });
}
