import { Command } from 'commander';
import { resolveBenchPlan } from '../../api/bench.js';
import { startDistributedRun } from '../../api/distributed-run.js';
import { renderAgents } from '../../distributed/agents-summary.js';
import { usageError } from '../../core/errors.js';
import { renderTextSummary } from '../../report/text-summary.js';
import { addDashboardFlag, openDashboard, type DashboardFlagValues } from '../dashboard.js';
import { fdLimitWarning } from '../fd-limit.js';
import { err, out, strictCommand } from '../io.js';
import { awaitWithSignals, exitCodeOf, openOutputs, progressReporter, renderOutputFailures, runWithSignals } from '../run-and-report.js';
import { addAgentFlags, addHttpFlags, addLoadFlags, addOutputFlags, addThresholdFlags, agentsOf, loadOptionsOf, thresholdsOf, type AgentFlagValues, type LoadFlagValues, type ThresholdFlagValues } from './load-flags.js';

interface BenchFlags extends LoadFlagValues, AgentFlagValues, ThresholdFlagValues, DashboardFlagValues {
  method?: string;
  header: string[];
  body?: string;
  bodyFile?: string;
  timeout?: string;
  expectStatus?: string;
  http2?: boolean;
  insecure?: boolean;
  pipelining?: string;
}

/** benchCommand is `gauntlet bench URL`: hammer one URL, closed or open model. */
export function benchCommand(setExit: (code: number) => void): Command {
  const cmd = strictCommand(new Command('bench'))
    .description('hammer one URL: closed model (-c, -n/-d) or open model (-r); HDR percentiles, CSV, JSON, time series')
    .argument('<url>', 'the URL to request, e.g. http://127.0.0.1:8080/');
  addLoadFlags(cmd);
  addOutputFlags(cmd);
  addHttpFlags(cmd);
  addThresholdFlags(cmd);
  addAgentFlags(cmd);
  addDashboardFlag(cmd);
  cmd.action(async (url: string, f: BenchFlags) => {
    // -u with -c: that many users share that many connections (more users than sockets).
    const sharing = f.users !== undefined && f.connections !== undefined && Number(f.users) > Number(f.connections);
    if (f.users !== undefined && f.connections !== undefined && Number(f.users) < Number(f.connections)) {
      throw usageError(`-u ${f.users} is fewer users than -c ${f.connections} connections: a user holds one connection at a time`, `for ${f.users} users on their own connections give -c ${f.users} (or -u alone); to share connections, -u more than -c`);
    }
    const plan = resolveBenchPlan({
      url,
      ...loadOptionsOf(f),
      ...(sharing ? { connections: f.users!, sharedConnections: f.connections! } : {}),
      ...(f.method !== undefined ? { method: f.method } : {}),
      headers: f.header,
      ...(f.body !== undefined ? { body: f.body } : {}),
      ...(f.bodyFile !== undefined ? { bodyFile: f.bodyFile } : {}),
      ...(f.timeout !== undefined ? { timeout: f.timeout } : {}),
      ...(f.expectStatus !== undefined ? { expectStatus: f.expectStatus } : {}),
      http2: f.http2 === true,
      insecure: f.insecure === true,
      ...(f.pipelining !== undefined ? { pipelining: f.pipelining } : {}),
      rawRows: f.csv !== undefined,
    });
    const distributed = agentsOf(f);
    const thresholds = thresholdsOf(f);
    // Connections beyond the descriptor limit fail as `local`; say so before the run.
    const fdWarning = distributed === undefined ? fdLimitWarning(plan) : undefined;
    if (fdWarning !== undefined) err(fdWarning);
    const dashboard = await openDashboard(f, plan.label);
    const outputs = await openOutputs(f);
    const reporters = [...outputs.reporters, ...progressReporter(plan, f.quiet), ...(dashboard ? [dashboard.reporter(thresholds)] : [])];
    const result =
      distributed === undefined
        ? await runWithSignals(plan, { reporters, thresholds, dedicated: true }, f.quiet)
        : await awaitWithSignals(startDistributedRun(plan, { ...distributed, reporters, thresholds }), f.quiet);
    out(renderTextSummary(result, [renderAgents(result)]));
    out(renderOutputFailures(outputs.failures));
    await dashboard?.finish();
    setExit(exitCodeOf(result, outputs.failures));
  });
  return cmd;
}
