/**
 * many-users is the benchmark's scale-of-users run: `gauntlet bench -u 100000 -c 15000 --ramp-up 20s
 * --think 1s -n 600000 -w 1` against the node target — 100,000 closed-model users with 1 s think time
 * sharing 15,000 keep-alive connections (the open-file hard limit here is 20,000 per process, so
 * 100,000 sockets cannot exist; the users waiting for a connection count it as http_req_blocked).
 * 15,000 connections from one source address fit in its ~28,000 ephemeral ports, so no spreading over
 * 127.0.0.0/8 is needed. Goals: the generator's peak RSS under 1.5 GiB, and the request count exact:
 * gauntlet's count and the target's both equal to -n.
 *
 * Knobs: BENCH_MEM_USERS (100000), BENCH_MEM_CONNECTIONS (15000), BENCH_MEM_RAMP_SECONDS (20),
 * BENCH_MEM_REQUESTS (600000); BENCH_SKIP_MEMORY=1 skips it.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fix, int, type Section } from './bench-report.js';
import { GAUNTLET_CLI, readGauntletJson } from './generators.js';
import { runMeasured, type BenchTarget, type Tools } from './measured-process.js';

/** ManyUsersPlan is the run's shape. */
export interface ManyUsersPlan {
  users: number;
  connections: number;
  rampUpSec: number;
  thinkMs: number;
  requests: number;
}

/** MANY_USERS_GOAL_MIB: the generator's peak RSS goal (1.5 GiB). */
export const MANY_USERS_GOAL_MIB = 1536;

/** ManyUsersRecord is what the run measured. */
export interface ManyUsersRecord extends ManyUsersPlan {
  /** requests gauntlet counted, and those that failed. */
  counted: number;
  failed: number;
  /** requests the target answered during the run. */
  serverRequests: number;
  /** both counts equal to the plan's -n. */
  exact: boolean;
  /** the most users active at once (the `vus` gauge's peak over the intervals). */
  peakUsers: number;
  durationSec: number;
  p99Ms: number;
  /** p99 of waiting for a shared connection (http_req_blocked). */
  blockedP99Ms: number;
  peakRssMiB: number;
  polledRssMiB: number;
  cpuSec: number;
  serverPeakOpen: number;
  exitCode: number | null;
  goalMiB: number;
  notes: string[];
}

interface IntervalsJson {
  intervals?: { gauges?: Record<string, { value: number; max: number }> }[];
  summary: Record<string, { p99: number } | undefined>;
}

/** manyUsersRun runs the plan against `target` from CPU `cpu` and checks RSS and the count. */
export async function manyUsersRun(plan: ManyUsersPlan, target: BenchTarget, tools: Tools, cpu: number | undefined, dir: string): Promise<ManyUsersRecord> {
  const jsonFile = join(dir, 'many-users.json');
  const url = `http://127.0.0.1:${target.port}/`;
  await target.resetPeak();
  const before = await target.stats();
  const argv = [process.execPath, GAUNTLET_CLI, 'bench', url, '-u', String(plan.users), '-c', String(plan.connections), '--ramp-up', `${plan.rampUpSec}s`, '--think', `${plan.thinkMs}ms`, '-n', String(plan.requests), '-w', '1', '-q', '--json', jsonFile];
  const m = await runMeasured(argv, { cpu, timeoutMs: 300_000, tools });
  const after = await target.stats();
  const rec: ManyUsersRecord = {
    ...plan,
    counted: NaN,
    failed: NaN,
    serverRequests: after.requests - before.requests,
    exact: false,
    peakUsers: NaN,
    durationSec: NaN,
    p99Ms: NaN,
    blockedP99Ms: NaN,
    peakRssMiB: m.peakRssMiB,
    polledRssMiB: m.polledRssMiB,
    cpuSec: m.cpuSec,
    serverPeakOpen: after.peakOpen,
    exitCode: m.exitCode,
    goalMiB: MANY_USERS_GOAL_MIB,
    notes: [],
  };
  if (m.timedOut) rec.notes.push('timed out and was killed');
  if (m.exitCode !== 0) rec.notes.push(`exit ${m.exitCode ?? m.signal}: ${m.stderr.trim().slice(0, 300)}`);
  try {
    const f = readGauntletJson(jsonFile, m.stdout);
    const j = JSON.parse(readFileSync(jsonFile, 'utf8')) as IntervalsJson;
    rec.counted = f.requests;
    rec.failed = f.failed;
    rec.durationSec = f.durationSec;
    rec.p99Ms = f.p99Ms;
    rec.blockedP99Ms = j.summary['http_req_blocked']?.p99 ?? NaN;
    rec.peakUsers = Math.max(...(j.intervals ?? []).map((i) => i.gauges?.['vus']?.max ?? NaN).filter(Number.isFinite));
    rec.exact = rec.counted === plan.requests && rec.serverRequests === plan.requests;
    if (!rec.exact) rec.notes.push(`count not exact: asked ${plan.requests}, gauntlet counted ${rec.counted}, the target ${rec.serverRequests}`);
    if (f.failed > 0) rec.notes.push(`${f.failed} failed requests`);
    if (rec.peakUsers < plan.users) rec.notes.push(`at most ${rec.peakUsers} users were active at once, not ${plan.users} (the -n count was reached first?)`);
  } catch (err) {
    rec.notes.push(`could not read output: ${(err as Error).message.slice(0, 200)}`);
  }
  if (rec.serverPeakOpen > plan.connections) rec.notes.push(`the target saw ${rec.serverPeakOpen} open connections, more than the ${plan.connections} asked`);
  if (!(rec.peakRssMiB < MANY_USERS_GOAL_MIB)) rec.notes.push(`peak RSS ${Math.round(rec.peakRssMiB)} MiB is not under the ${MANY_USERS_GOAL_MIB} MiB goal`);
  rmSync(jsonFile, { force: true });
  return rec;
}

/** manyUsersSection reports the run. */
export function manyUsersSection(r: ManyUsersRecord): Section {
  const rss = `peak RSS ${int(r.peakRssMiB)} MiB (goal < ${int(r.goalMiB)} MiB: ${r.peakRssMiB < r.goalMiB ? 'met' : 'MISSED'})`;
  const count = `-n ${int(r.requests)}: gauntlet counted ${int(r.counted)}, the target ${int(r.serverRequests)} (exact: ${r.exact ? 'met' : 'MISSED'})`;
  const head = `${int(r.users)} closed-model users sharing ${int(r.connections)} connections, ramp-up ${r.rampUpSec} s, think ${r.thinkMs} ms, 1 worker, node target`;
  return {
    text: [
      `Many users: ${head}`,
      `  ${rss}; polled VmHWM ${int(r.polledRssMiB)} MiB`,
      `  ${count}; failed ${int(r.failed)}`,
      `  most users active at once ${int(r.peakUsers)}; target peak ${int(r.serverPeakOpen)} open connections; ${fix(r.durationSec, 1)} s; p99 ${fix(r.p99Ms, 2)} ms (waiting for a connection p99 ${fix(r.blockedP99Ms, 2)} ms); CPU ${fix(r.cpuSec, 1)} s; exit ${r.exitCode}`,
    ],
    markdown: [`- ${head}: ${rss}; ${count}; at most ${int(r.peakUsers)} users active at once`],
  };
}
