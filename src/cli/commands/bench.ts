import { Command } from 'commander';
import { resolveBenchPlan } from '../../api/bench.js';
import { strictCommand } from '../io.js';
import { awaitWithSignals, fileReporters, progressReporter, runWithSignals, exitCodeOf } from '../run-and-report.js';
import { out } from '../io.js';
import type { RunResult } from '../../report/run-result.js';
import { renderTextSummary } from '../../report/text-summary.js';
import { addAgentFlags, addHttpFlags, addLoadFlags, loadOptionsOf, type AgentFlagValues, type LoadFlagValues } from './load-flags.js';
import { startDistributedRun } from '../../api/distributed-run.js';
import { usageError } from '../../core/errors.js';
import { parsePositiveInt } from '../../core/units.js';

interface BenchFlags extends LoadFlagValues, AgentFlagValues {
  method?: string;
  header: string[];
  body?: string;
  bodyFile?: string;
  timeout?: string;
  expectStatus?: string;
  http2?: boolean;
  insecure?: boolean;
}

/** benchCommand is `gauntlet bench URL`: hammer one URL, closed or open model. */
export function benchCommand(setExit: (code: number) => void): Command {
  const cmd = strictCommand(new Command('bench'))
    .description('hammer one URL: closed model (-c, -n/-d) or open model (-r); HDR percentiles, CSV, JSON, time series')
    .argument('<url>', 'the URL to request, e.g. http://127.0.0.1:8080/');
  addLoadFlags(cmd);
  addHttpFlags(cmd);
  addAgentFlags(cmd);
  cmd.action(async (url: string, f: BenchFlags) => {
    const plan = resolveBenchPlan({
      url,
      ...loadOptionsOf(f),
      ...(f.method !== undefined ? { method: f.method } : {}),
      headers: f.header,
      ...(f.body !== undefined ? { body: f.body } : {}),
      ...(f.bodyFile !== undefined ? { bodyFile: f.bodyFile } : {}),
      ...(f.timeout !== undefined ? { timeout: f.timeout } : {}),
      ...(f.expectStatus !== undefined ? { expectStatus: f.expectStatus } : {}),
      http2: f.http2 === true,
      insecure: f.insecure === true,
      rawRows: f.csv !== undefined,
    });
    if (f.nats !== undefined && f.agents === undefined) throw usageError('--nats needs --agents N', 'add --agents 2 (how many agents to run on)');
    const agents = f.agents !== undefined ? parsePositiveInt(f.agents, '--agents') : undefined;
    if (agents !== undefined && f.csv !== undefined) throw usageError('--csv (one row per request) cannot go with --agents', 'use --json or --timeseries with --agents');
    const reporters = [...fileReporters(f), ...progressReporter(plan, f.quiet)];
    const result =
      agents === undefined
        ? await runWithSignals(plan, reporters, f.quiet)
        : await awaitWithSignals(startDistributedRun(plan, { agents, nats: f.nats ?? 'nats://127.0.0.1:4222', reporters }), f.quiet);
    out(renderTextSummary(result));
    if (agents !== undefined) out(renderAgents(result));
    setExit(exitCodeOf(result));
  });
  return cmd;
}

/** renderAgents lists a distributed run's agents (from `extra.agents`): share, state and requests. */
function renderAgents(result: RunResult): string {
  const agents = (result.extra?.['agents'] ?? []) as { id: string; host: string; segment: string; workers: number; state: string; requests: number; error?: string }[];
  const lines = agents.map((a) => `  ${a.id.padEnd(24)} ${a.host}  segment ${a.segment}  ${a.workers} workers  ${a.state}  ${a.requests.toLocaleString('en-US')} requests${a.error ? ` (${a.error})` : ''}`);
  return `Agents:\n${lines.join('\n')}\n`;
}
