import { Command } from 'commander';
import { prepareScriptRun, startScriptRun } from '../../api/run-script.js';
import { FEEDER_MODES, type FeederMode } from '../../scenarios/script/data-feeder.js';
import { usageError } from '../../core/errors.js';
import { renderScriptSummary } from '../../scenarios/script/script-summary.js';
import { renderTextSummary } from '../../report/text-summary.js';
import { ExitCode } from '../../core/errors.js';
import type { RunHandle } from '../../api/start-run.js';
import { err, onStop, out, strictCommand } from '../io.js';
import { awaitWithSignals, exitCodeOf, openOutputs, progressReporter, renderOutputFailures } from '../run-and-report.js';
import { addAgentFlags, addLoadFlags, addOutputFlags, addThresholdFlags, agentsOf, loadOptionsOf, thresholdTextsOf, type AgentFlagValues, type LoadFlagValues, type ThresholdFlagValues } from './load-flags.js';
import { renderAgents } from '../../distributed/agents-summary.js';
import { addDashboardFlag, openDashboard, type DashboardFlagValues } from '../dashboard.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

interface RunFlags extends LoadFlagValues, AgentFlagValues, ThresholdFlagValues, DashboardFlagValues {
  iterations?: string;
  target?: string;
  test: string[];
  data?: string;
  dataMode?: string;
  header: string[];
  timeout?: string;
  hookTimeout?: string;
  insecure?: boolean;
}

function headersOf(lines: string[]): Record<string, string> | undefined {
  if (lines.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i > 0) out[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return out;
}

/**
 * duringStartup runs the scripts' startup (and the run's start) with Ctrl-C handled: startup cannot
 * be cut short, so a first SIGINT/SIGTERM/SIGHUP lets it finish and then stops the run before any user
 * starts — shutdown still runs and the (empty) report is printed, exit 130. A second one exits at
 * once, without shutdown, for a startup that hangs.
 */
async function duringStartup(start: () => Promise<RunHandle>, quiet: boolean | undefined): Promise<RunHandle> {
  let signals = 0;
  const onSignal = () => {
    if (++signals === 1) {
      if (!quiet) err('\nstopping: waiting for startup to finish, then shutdown runs; press Ctrl-C again to exit at once (shutdown will not run)\n');
      return;
    }
    err('error: interrupted during startup; shutdown did not run\n');
    process.exit(ExitCode.interrupted);
  };
  const off = onStop(onSignal);
  try {
    const handle = await start();
    if (signals > 0) handle.stop();
    return handle;
  } finally {
    off();
  }
}

/** runCommand is `gauntlet run test.ts|config.yaml`: scripted load tests (TestCase classes or a function). */
export function runCommand(setExit: (code: number) => void): Command {
  const cmd = strictCommand(new Command('run'))
    .description('run a TypeScript/JavaScript test script or a YAML config with every load model of bench')
    .argument('<file>', 'a script (test.ts) or a YAML config (config.yaml)')
    .option('-i, --iterations <n>', 'iterations per user (Loads\' hits): -u 10 -i 100 runs 1000 in all')
    .option('--target <url>', 'base URL for this.http (the script\'s requests)')
    .option('--test <name>', 'run only this exported test (repeatable)', collect, [])
    .option('--data <file>', 'CSV file whose rows feed this.data')
    .option('--data-mode <mode>', 'unique (one row per user), round-robin or random', undefined)
    .option('-H, --header <header>', "default request header 'Name: value' (repeatable)", collect, [])
    .option('--timeout <time>', 'per-request timeout of this.http (default: 30s)')
    .option('--hook-timeout <time>', 'how long each startup and shutdown may take (default: 60s)')
    .option('-k, --insecure', 'do not verify TLS certificates');
  addLoadFlags(cmd, { connections: '10', duration: '10s when no -n or -i' });
  addOutputFlags(cmd);
  addThresholdFlags(cmd);
  addAgentFlags(cmd);
  addDashboardFlag(cmd);
  cmd.action(async (file: string, f: RunFlags) => {
    if (f.dataMode !== undefined && !(FEEDER_MODES as readonly string[]).includes(f.dataMode)) throw usageError(`--data-mode '${f.dataMode}' is not ${FEEDER_MODES.join(', ')}`, `for example --data-mode ${FEEDER_MODES[0]}`);
    const headers = headersOf(f.header);
    const distributed = agentsOf(f);
    const prepared = await prepareScriptRun({
      file,
      ...(distributed ? { shipCode: true } : {}),
      ...loadOptionsOf(f),
      ...(f.iterations !== undefined ? { iterationsPerUser: f.iterations } : {}),
      ...(f.target !== undefined ? { target: f.target } : {}),
      tests: f.test,
      ...(f.data !== undefined ? { data: f.data } : {}),
      ...(f.dataMode !== undefined ? { dataMode: f.dataMode as FeederMode } : {}),
      thresholds: thresholdTextsOf(f),
      ...(f.abortOnFail ? { abortOnFail: true } : {}),
      ...(headers ? { headers } : {}),
      ...(f.timeout !== undefined ? { timeout: f.timeout } : {}),
      ...(f.hookTimeout !== undefined ? { hookTimeout: f.hookTimeout } : {}),
      ...(f.insecure ? { insecure: true } : {}),
      ...(f.json !== undefined ? { json: f.json } : {}),
      ...(f.csv !== undefined ? { csv: f.csv } : {}),
      ...(f.timeseries !== undefined ? { timeseries: f.timeseries } : {}),
    });
    const dashboard = await openDashboard(f, prepared.plan.label);
    const outputs = await openOutputs({ ...prepared.outputs, ...(f.html !== undefined ? { html: f.html } : {}), ...(f.out !== undefined ? { out: f.out } : {}) });
    const reporters = [...outputs.reporters, ...progressReporter(prepared.plan, f.quiet), ...(dashboard ? [dashboard.reporter(prepared.thresholds)] : [])];
    const handle = await duringStartup(() => startScriptRun(prepared, { reporters, dedicated: true, ...(distributed ? { distributed } : {}) }), f.quiet);
    const result = await awaitWithSignals(handle, f.quiet);
    out(renderTextSummary(result, [renderAgents(result), renderScriptSummary(result)]));
    out(renderOutputFailures(outputs.failures));
    await dashboard?.finish();
    setExit(exitCodeOf(result, outputs.failures));
  });
  return cmd;
}
