import { Command } from 'commander';
import { ensureAvailable, resolveBasic } from '../../api/durability.js';
import { strictCommand } from '../io.js';
import { runCell } from './singletest.js';
import { addThresholdFlags, thresholdsOf, type ThresholdFlagValues } from './load-flags.js';
import { addPlacementFlags, placementOf, UNTIL_FAILURES_HELP, type PlacementFlagValues } from './durability-common.js';
import { addDashboardFlag, type DashboardFlagValues } from '../dashboard.js';

interface BasicFlags extends ThresholdFlagValues, PlacementFlagValues, DashboardFlagValues {
  server: string;
  seed?: string;
  workers?: string;
  untilFailures?: string;
  json?: string;
  quiet?: boolean;
}

/**
 * basicCommand is `gauntlet basic`, Labour's first example: 512 requests of 98 plain, 1 sleep of
 * 0.5 s and 1 plain that should get a 500, random policy, one connection, against a fresh node-http
 * (or `-s` another server), then Labour's two-line report and failure breakdown.
 */
export function basicCommand(setExit: (code: number) => void): Command {
  const cmd = strictCommand(new Command('basic'))
    .description("Labour's basic test: 512 requests (98 plain, 1 sleep 0.5s, 1 plain 500) against a fresh server")
    .option('-s, --server <spec>', 'server to test (gauntlet servers lists them; -s wsgiref runs the original\'s)', 'node-http')
    .option('--seed <n>', 'seed of the random policy')
    .option('-w, --workers <n>', 'worker threads (default: one per core, at most one per connection)')
    .option('--until-failures <n>', UNTIL_FAILURES_HELP)
    .option('--json <file>', "write the whole result as JSON ('-': to stdout, and the text summary to stderr)")
    .option('-q, --quiet', 'no progress output');
  return addPlacementFlags(addDashboardFlag(addThresholdFlags(cmd))).action(async (f: BasicFlags) => {
      const thresholds = thresholdsOf(f);
      const placement = placementOf(f);
      const cell = resolveBasic({ server: f.server, ...(f.seed !== undefined ? { seed: f.seed } : {}), ...(f.workers !== undefined ? { workers: f.workers } : {}), ...(f.untilFailures !== undefined ? { untilFailures: f.untilFailures } : {}) });
      await ensureAvailable(cell.server);
      const flags = { ...(f.json !== undefined ? { json: f.json } : {}), ...(f.quiet !== undefined ? { quiet: f.quiet } : {}), ...(f.dashboard !== undefined ? { dashboard: f.dashboard } : {}), ...(f.dashboardKeep !== undefined ? { dashboardKeep: f.dashboardKeep } : {}) };
      const onAgents = placement.agents !== undefined ? ` from ${placement.agents.agents} agents` : '';
      setExit(await runCell(cell, flags, `Running basic test against ${cell.server.text}${onAgents}.`, false, thresholds, placement));
    });
}
