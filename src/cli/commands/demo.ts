import { Command } from 'commander';
import { resolveBenchPlan } from '../../api/bench.js';
import { startDemoTarget } from '../../api/demo-target.js';
import { renderTextSummary } from '../../report/text-summary.js';
import { err, out, strictCommand } from '../io.js';
import { exitCodeOf, progressReporter, runWithSignals } from '../run-and-report.js';

/**
 * demoCommand is `gauntlet demo`: it starts the built-in target on a free loopback port, runs a short
 * closed run and a short open run against it with live progress, prints both summaries and stops
 * the target. It needs no flags, no server and no config.
 */
export function demoCommand(setExit: (code: number) => void): Command {
  return strictCommand(new Command('demo'))
    .description('run a short closed and a short open test against a built-in demo target')
    .action(async () => {
      const target = await startDemoTarget();
      try {
        const url = `${target.url}/mixed`;
        out(`Demo target listening on ${target.url} (routes: / instant, /slow 20ms, /flaky 5% errors, /mixed).\n\n`);
        out(`1/2 Closed model: 20 connections for 3s against ${url}\n`);
        out(`    (same as: gauntlet bench ${url} -c 20 -d 3s)\n`);
        const closed = resolveBenchPlan({ url, connections: 20, duration: '3s' });
        const r1 = await runWithSignals(closed, { reporters: progressReporter(closed, false) });
        out(renderTextSummary(r1) + '\n');
        if (r1.stopReason !== 'completed') return setExit(exitCodeOf(r1));
        out(`2/2 Open model: 500 arrivals per second for 3s (latency counts from each arrival's intended time)\n`);
        out(`    (same as: gauntlet bench ${url} -r 500 -d 3s)\n`);
        const open = resolveBenchPlan({ url, rate: 500, duration: '3s', connections: 50 });
        const r2 = await runWithSignals(open, { reporters: progressReporter(open, false) });
        out(renderTextSummary(r2));
        out(`\nNext: point 'gauntlet bench' at your own service, e.g. gauntlet bench http://127.0.0.1:8080/ -c 50 -d 30s --csv raw.csv\n`);
        setExit(exitCodeOf(r2));
      } finally {
        await target.close();
        err('');
      }
    });
}
