import { Command } from 'commander';
import { CellRun, ensureAvailable, resolveSingleTest, type ResolvedCell } from '../../api/durability.js';
import { renderPlain } from '../../api/durability-client.js';
import { durabilityOf } from '../../scenarios/durability/durability-figures.js';
import { renderDurability } from '../../scenarios/durability/render-durability.js';
import { renderUnexpectedList } from '../../scenarios/durability/unexpected-results.js';
import type { Reporter } from '../../report/reporter.js';
import { err, out, strictCommand } from '../io.js';
import { exitCodeOf, openOutputs, progressReporter, renderOutputFailures } from '../run-and-report.js';
import { addDurabilityFlags, addPlacementFlags, DURABILITY_LOAD_DEFAULTS, durabilityOptionsOf, onStopSignals, placementOf, printTests, untilSignal, type DurabilityFlagValues, type PlacementFlagValues } from './durability-common.js';
import { usageError } from '../../core/errors.js';
import { renderAgents } from '../../distributed/agents-summary.js';
import type { CellHooks } from '../../api/durability.js';
import { addLoadFlags, addOutputFlags, addThresholdFlags, thresholdsOf, type LoadFlagValues, type ThresholdFlagValues } from './load-flags.js';
import type { Threshold } from '../../metrics/thresholds.js';
import { renderThresholdVerdicts } from '../../report/verdict.js';
import { addDashboardFlag, openDashboard, type DashboardFlagValues } from '../dashboard.js';

interface SingleTestFlags extends LoadFlagValues, DurabilityFlagValues, ThresholdFlagValues, PlacementFlagValues, DashboardFlagValues {
  server: string;
  test: string;
  serveOnly?: boolean;
}

/**
 * runCell runs one resolved cell with progress and output files and prints Labour's plain report,
 * then the durability figures (and the agents, when they sent the requests: `placement`); it returns
 * the exit code (130 after Ctrl-C, once the server is stopped).
 */
export async function runCell(cell: ResolvedCell, f: LoadFlagValues & DashboardFlagValues, heading: string, withFigures = true, thresholds: readonly Threshold[] = [], placement: Pick<CellHooks, 'agents' | 'host'> = {}): Promise<number> {
  const dashboard = await openDashboard(f, `${cell.test.name} against ${cell.server.text}`);
  const outputs = await openOutputs(f); // opened now: a bad path fails before the server starts
  out(`${heading}\n`);
  const run = new CellRun(cell, { reporters: (plan): Reporter[] => [...outputs.reporters, ...progressReporter(plan, f.quiet), ...(dashboard ? [dashboard.reporter(thresholds)] : [])], thresholds, ...placement });
  const off = onStopSignals(run, cell.planFor('http://127.0.0.1:1').graceMs, f.quiet);
  const outcome = await run.done.finally(off);
  if (outcome.result === undefined) {
    await dashboard?.finish();
    for (const r of outputs.reporters) await r.onAbort?.(outcome.error);
    if (outcome.error !== undefined) throw outcome.error;
    out('Stopped before the test started.\n');
    return 130;
  }
  out('\n' + renderPlain(outcome.result));
  const agents = renderAgents(outcome.result);
  if (agents !== '') out('\n' + agents);
  const figures = durabilityOf(outcome.result);
  if (withFigures && figures !== undefined) out('\n' + renderDurability(figures));
  // basic prints Labour's report only; with --until-failures also what it was asked to wait for.
  if (!withFigures && figures?.untilFailures !== undefined && figures.unexpectedList !== undefined) out('\n' + renderUnexpectedList(figures.unexpectedList, figures.unexpected));
  const verdicts = renderThresholdVerdicts(outcome.result);
  if (verdicts !== '') out('\n' + verdicts);
  if (outcome.result.stopReason === 'interrupted' || outcome.result.stopReason === 'aborted') out('Stopped by the user before the planned end; the figures cover what ran.\n');
  out(renderOutputFailures(outputs.failures));
  if (outcome.error !== undefined) err(`error: ${outcome.error.message}\n`);
  await dashboard?.finish();
  return exitCodeOf(outcome.result, outputs.failures);
}

/** serveOnly starts the server, prints its URL and waits for Ctrl-C (or its death), then stops it (Labour's -N). */
async function serveOnly(cell: ResolvedCell, host?: string): Promise<number> {
  const server = await cell.server.adapter.start({ settings: cell.server.settings, ...(host !== undefined ? { host } : {}) });
  out(`Serving the behaviour app with ${cell.server.text} at ${server.url} (pid ${server.pid}); press Ctrl-C to stop it.\n`);
  const died = (async (): Promise<void> => {
    for (;;) {
      await new Promise((r) => setTimeout(r, 500).unref());
      if ((await server.sample()).processes === 0) return;
    }
  })();
  let gone = false;
  void died.then(() => (gone = true));
  await untilSignal(died);
  const report = await server.stop();
  out(gone ? `The server died (${report.signal ?? `exit code ${report.exitCode}`}).\n` : `Stopped ${cell.server.text}.\n`);
  return gone ? 1 : 0;
}

/** singletestCommand is `gauntlet singletest`: one ready test (or mix) against one fresh server. */
export function singletestCommand(setExit: (code: number) => void): Command {
  const cmd = strictCommand(new Command('singletest'))
    .description('run one ready-made test (or --mix) against a fresh server and report what went as expected (Labour\'s singletest)')
    .option('-s, --server <spec>', "server and its options, e.g. gunicorn-sync:workers=4,timeout=5 (gauntlet servers lists them)", 'node-http')
    .option('-t, --test <name>', "ready-made test ('list' shows them)", 'plain')
    .option('--serve-only', 'start the server, print its URL and wait for Ctrl-C (no test)');
  addDurabilityFlags(cmd);
  addLoadFlags(cmd, DURABILITY_LOAD_DEFAULTS);
  addOutputFlags(cmd);
  addThresholdFlags(cmd);
  addPlacementFlags(cmd);
  addDashboardFlag(cmd);
  cmd.action(async (f: SingleTestFlags) => {
    if (f.test === 'list') {
      printTests();
      return setExit(0);
    }
    const cell = resolveSingleTest({
      ...durabilityOptionsOf(f),
      server: f.server,
      test: f.test,
      rawRows: f.csv !== undefined,
    });
    const thresholds = thresholdsOf(f);
    const placement = placementOf(f);
    if (f.serveOnly && placement.agents !== undefined) throw usageError('--serve-only sends no requests, so it takes no --agents', 'drop --agents, or drop --serve-only to run the test on agents');
    await ensureAvailable(cell.server);
    if (f.serveOnly) return setExit(await serveOnly(cell, placement.host));
    const plan = cell.planFor('http://127.0.0.1:1');
    const n = plan.parts[0]!.executor;
    const size = n.kind === 'closed' && n.steps[0]?.iterations !== undefined ? `${n.steps[0].iterations} requests` : 'load as given';
    const onAgents = placement.agents !== undefined ? `, from ${placement.agents.agents} agents` : '';
    const heading = `Running test '${cell.test.name}' against ${cell.server.text} (${size}, ${cell.test.policy.name} policy${cell.test.policy.seed !== undefined ? `, seed ${cell.test.policy.seed}` : ''}${onAgents}).`;
    setExit(await runCell(cell, f, heading, true, thresholds, placement));
  });
  return cmd;
}
