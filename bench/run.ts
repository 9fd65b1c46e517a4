/**
 * run is Gauntlet's benchmark (`npm run bench`): in one run, on this machine, it measures
 *
 * 1. throughput and efficiency — requests/s and requests per client CPU-second of gauntlet,
 *    autocannon and (when installed) wrk against the same minimal node:http target, the target pinned
 *    to CPU 0 and each generator, one at a time, to CPU 1; median of BENCH_REPS runs in rotating order;
 * 2. the cost of `--csv` (one row per request) as a throughput ratio, in the same rounds;
 * 3. memory with many users — peak RSS of `gauntlet bench -c 10000 --think 1s`;
 * 4. scripted tests — `gauntlet run` of a TestCase doing one `this.http.get('/')` per iteration, as
 *    one more generator of the throughput rounds (bench/script-bench.ts): requests per CPU-second
 *    against `gauntlet bench`, goal ≥ 40k;
 * 5. the HTML report of a 1-hour run (3,600 intervals) opened in headless Chromium: median time
 *    until every chart drew, goal < 2 s (bench/page-open.ts; BENCH_SKIP_PAGE=1 skips it).
 *
 * It prints a table and a README snippet and writes bench/results/latest.json. Only 127.0.0.1 is
 * used; every process it starts is ended by its process-group id, on error and on Ctrl-C too.
 *
 * Environment: BENCH_SECONDS (10), BENCH_REPS (3), BENCH_MEM_USERS (10000), BENCH_MEM_SECONDS (15),
 * BENCH_SKIP_MEMORY=1, BENCH_ONLY (generator names, comma-separated: gauntlet,autocannon,wrk,gauntlet
 * --csv,gauntlet run), BENCH_NICE (e.g. -10: run the target and generators at that niceness),
 * BENCH_QUIET_WAIT_SECONDS (10 per run), BENCH_QUIET_BUDGET_SECONDS (60 in all). Before each run it
 * waits, within those bounds, for other processes to leave the CPUs alone, and it reports how much CPU
 * they took anyway ("others"): on a shared machine that is the noise in req/s.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  markdownReport,
  ratios,
  summarize,
  textReport,
  type Context,
  type MemoryRecord,
  type RunRecord,
} from './bench-report.js';
import { autocannon, gauntlet, readGauntletJson, wrk, GAUNTLET_CLI, type Generator } from './generators.js';
import { busyCores, readCpuTicks, waitForQuiet } from './cpu-load.js';
import { detectTools, killAll, killAllNow, runMeasured, Target, type Tools } from './measured-process.js';
import { gauntletScript, scriptFigures, scriptReport } from './script-bench.js';
import { measurePageOpen } from './page-open.js';

const here = dirname(fileURLToPath(import.meta.url));
const RESULTS = join(here, '..', '..', 'bench', 'results', 'latest.json');
const TARGET_CPU = 0;
const GENERATOR_CPU = 1;

function envNumber(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const SECONDS = envNumber('BENCH_SECONDS', 10);
const REPS = Math.round(envNumber('BENCH_REPS', 3));
const CONNECTIONS = 50;
const MEM_USERS = Math.round(envNumber('BENCH_MEM_USERS', 10_000));
const MEM_SECONDS = envNumber('BENCH_MEM_SECONDS', 15);
const THINK_MS = 1000;
const MEM_GOAL_MIB = 1024;
/** Before each run, wait (at most QUIET_WAIT_MS, QUIET_BUDGET_MS in all) until others use < QUIET_CORES. */
const QUIET_CORES = 0.15;
const QUIET_WAIT_MS = envNumber('BENCH_QUIET_WAIT_SECONDS', 10) * 1000;
let quietBudgetMs = envNumber('BENCH_QUIET_BUDGET_SECONDS', 60) * 1000;

const log = (s: string) => process.stderr.write(`${s}\n`);
const notes: string[] = [];

function sh(cmd: string): string {
  return spawnSync('bash', ['-c', cmd], { encoding: 'utf8' }).stdout?.trim() ?? '';
}

/** measureRun runs one generator against the target and turns its output into a RunRecord. */
async function measureRun(g: Generator, round: number, target: Target, tools: Tools): Promise<RunRecord> {
  const quiet = await waitForQuiet(cpus().length, QUIET_CORES, Math.min(QUIET_WAIT_MS, quietBudgetMs));
  quietBudgetMs -= quiet.waitedMs;
  const before = await target.stats();
  const ticks0 = readCpuTicks();
  const m = await runMeasured(g.argv(), { cpu: tools.taskset ? GENERATOR_CPU : undefined, timeoutMs: SECONDS * 1000 + 30_000, tools });
  const ticks1 = readCpuTicks();
  const after = await target.stats();
  const targetCores = (after.cpuMs - before.cpuMs) / m.wallMs;
  const rec: RunRecord = {
    generator: g.name,
    round,
    requests: NaN,
    failed: NaN,
    durationSec: NaN,
    rps: NaN,
    cpuSec: m.cpuSec,
    userSec: m.userSec,
    reqPerCpuSec: NaN,
    reqPerUserSec: NaN,
    p99Ms: NaN,
    peakRssMiB: m.peakRssMiB,
    serverRequests: after.requests - before.requests,
    targetCpuPct: targetCores * 100,
    otherCores: Math.max(0, busyCores(ticks0, ticks1, cpus().length) - targetCores - m.cpuSec / (m.wallMs / 1000)),
    waitedMs: quiet.waitedMs,
    exitCode: m.exitCode,
    notes: [],
  };
  if (m.timedOut) rec.notes.push('timed out and was killed');
  if (m.exitCode !== 0) rec.notes.push(`exit ${m.exitCode ?? m.signal}: ${m.stderr.trim().slice(0, 300)}`);
  if (rec.otherCores > QUIET_CORES) rec.notes.push(`machine busy: other processes took ${rec.otherCores.toFixed(2)} cores`);
  try {
    const f = g.parse(m.stdout);
    rec.requests = f.requests;
    rec.failed = f.failed;
    rec.durationSec = f.durationSec;
    rec.rps = f.requests / f.durationSec;
    rec.reqPerCpuSec = f.requests / m.cpuSec;
    rec.reqPerUserSec = f.requests / m.userSec;
    rec.p99Ms = f.p99Ms;
    // The target counts every request it answered; a generator may not count the few still in
    // flight when it stops (at most one per connection), and must never count more than were sent.
    const unseen = rec.serverRequests - f.requests;
    if (unseen < 0 || unseen > g.connections) rec.notes.push(`count mismatch: generator ${f.requests}, target ${rec.serverRequests}`);
    if (f.printedRps !== undefined && Math.abs(f.printedRps - rec.rps) / rec.rps > 0.01) {
      rec.notes.push(`printed ${f.printedRps} req/s but counted ${rec.rps.toFixed(2)}`);
    }
    if (f.summaryLine !== undefined) {
      const n = Number(/^Test of (\d+)/.exec(f.summaryLine)?.[1]);
      if (n !== f.requests) rec.notes.push(`summary says ${n} requests, JSON says ${f.requests}`);
    }
    if (f.failed > 0) rec.notes.push(`${f.failed} failed requests`);
  } catch (err) {
    rec.notes.push(`could not read output: ${(err as Error).message.slice(0, 200)}`);
  }
  g.cleanup?.();
  const rss = Number.isFinite(rec.peakRssMiB) ? `, RSS ${Math.round(rec.peakRssMiB)} MiB` : '';
  log(`  ${g.name.padEnd(15)} ${Math.round(rec.rps).toLocaleString('en-US').padStart(8)} req/s  ${Math.round(rec.reqPerCpuSec).toLocaleString('en-US').padStart(8)} req/CPU-s  (CPU ${rec.userSec.toFixed(2)} + ${(rec.cpuSec - rec.userSec).toFixed(2)} s, target CPU ${Math.round(rec.targetCpuPct)}%${rss}, others ${rec.otherCores.toFixed(2)} cores${quiet.waitedMs > 600 ? `, waited ${(quiet.waitedMs / 1000).toFixed(1)} s for quiet` : ''})${rec.notes.length ? `  ! ${rec.notes.join('; ')}` : ''}`);
  return rec;
}

/** memoryRun runs many closed-model users with think time and records gauntlet's peak RSS. */
async function memoryRun(url: string, target: Target, tools: Tools, dir: string): Promise<MemoryRecord> {
  const jsonFile = join(dir, 'memory.json');
  quietBudgetMs -= (await waitForQuiet(cpus().length, QUIET_CORES, Math.min(QUIET_WAIT_MS, quietBudgetMs))).waitedMs;
  await target.resetPeak();
  const before = await target.stats();
  const argv = [process.execPath, GAUNTLET_CLI, 'bench', url, '-c', String(MEM_USERS), '--think', `${THINK_MS}ms`, '-d', `${MEM_SECONDS}s`, '-w', '1', '-q', '--json', jsonFile];
  const m = await runMeasured(argv, { cpu: tools.taskset ? GENERATOR_CPU : undefined, timeoutMs: MEM_SECONDS * 1000 + 60_000, tools });
  const after = await target.stats();
  const rec: MemoryRecord = {
    users: MEM_USERS,
    thinkMs: THINK_MS,
    seconds: MEM_SECONDS,
    requests: NaN,
    expectedRequests: NaN,
    failed: NaN,
    durationSec: NaN,
    p99Ms: NaN,
    meanMs: NaN,
    peakRssMiB: m.peakRssMiB,
    polledRssMiB: m.polledRssMiB,
    cpuSec: m.cpuSec,
    serverRequests: after.requests - before.requests,
    serverPeakOpen: after.peakOpen,
    serverNewConnections: after.connections - before.connections,
    exitCode: m.exitCode,
    goalMiB: MEM_GOAL_MIB,
    notes: [],
  };
  if (m.timedOut) rec.notes.push('timed out and was killed');
  if (m.exitCode !== 0) rec.notes.push(`exit ${m.exitCode ?? m.signal}: ${m.stderr.trim().slice(0, 300)}`);
  try {
    const f = readGauntletJson(jsonFile, m.stdout);
    rec.requests = f.requests;
    rec.failed = f.failed;
    rec.durationSec = f.durationSec;
    rec.p99Ms = f.p99Ms;
    rec.meanMs = f.meanMs;
    // Each user sends, waits for the answer, thinks 1 s, again, until the duration is over.
    rec.expectedRequests = (MEM_USERS * MEM_SECONDS * 1000) / (THINK_MS + (Number.isFinite(f.meanMs) ? f.meanMs : 0));
    const unseen = rec.serverRequests - f.requests;
    if (unseen < 0 || unseen > MEM_USERS) rec.notes.push(`count mismatch: gauntlet ${f.requests}, target ${rec.serverRequests}`);
    if (Math.abs(f.requests / rec.expectedRequests - 1) > 0.1) rec.notes.push(`requests ${f.requests} are not within 10% of the expected ${Math.round(rec.expectedRequests)}`);
    if (f.failed > 0) rec.notes.push(`${f.failed} failed requests`);
  } catch (err) {
    rec.notes.push(`could not read output: ${(err as Error).message.slice(0, 200)}`);
  }
  if (rec.serverPeakOpen < MEM_USERS) rec.notes.push(`target saw at most ${rec.serverPeakOpen} open connections, not ${MEM_USERS}`);
  if (!(rec.peakRssMiB < MEM_GOAL_MIB)) rec.notes.push(`peak RSS ${Math.round(rec.peakRssMiB)} MiB is over the ${MEM_GOAL_MIB} MiB goal`);
  rmSync(jsonFile, { force: true });
  log(`  ${MEM_USERS} users: ${rec.requests} requests, peak RSS ${Math.round(rec.peakRssMiB)} MiB, target peak ${rec.serverPeakOpen} connections${rec.notes.length ? `  ! ${rec.notes.join('; ')}` : ''}`);
  return rec;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const tools = detectTools();
  if (process.env['BENCH_NICE'] !== undefined && Number.isInteger(Number(process.env['BENCH_NICE']))) {
    tools.nice = Number(process.env['BENCH_NICE']);
    notes.push(`target and generators ran at nice ${tools.nice} (BENCH_NICE)`);
  }
  if (!tools.taskset) notes.push('taskset not found: target and generators share all CPUs, so req/s ratios are less meaningful');
  if (!tools.time) notes.push('GNU time not found: CPU and RSS come from polling /proc every 100 ms (up to 100 ms of CPU missed)');
  if (tools.wrk === undefined) notes.push('wrk not installed: skipped (apt-get install -y wrk)');
  if (cpus().length < 2) notes.push(`only ${cpus().length} CPU: pinning to CPU 1 is not possible`);
  const pinned = tools.taskset && cpus().length >= 2;
  if (!pinned) tools.taskset = false;
  statSync(GAUNTLET_CLI); // built?

  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-bench-'));
  const target = await Target.start(join(here, 'target.js'), pinned ? TARGET_CPU : undefined, tools);
  const url = `http://127.0.0.1:${target.port}/`;
  log(`target ${url} (pid ${target.pid})${pinned ? ' on CPU 0; generators on CPU 1' : ''}`);

  try {
    const warm = autocannon(url, CONNECTIONS, Math.min(3, SECONDS));
    log(`warming the target up (${Math.min(3, SECONDS)} s)`);
    await runMeasured(warm.argv(), { cpu: pinned ? GENERATOR_CPU : undefined, timeoutMs: 30_000, tools });

    const all: Generator[] = [
      gauntlet('gauntlet', url, CONNECTIONS, SECONDS, join(dir, 'g.json')),
      autocannon(url, CONNECTIONS, SECONDS),
      ...(tools.wrk !== undefined ? [wrk(tools.wrk, url, CONNECTIONS, SECONDS)] : []),
      gauntlet('gauntlet --csv', url, CONNECTIONS, SECONDS, join(dir, 'gc.json'), ['--csv', join(dir, 'x.csv')]),
      gauntletScript(url, CONNECTIONS, SECONDS, dir),
    ];
    const only = process.env['BENCH_ONLY']?.split(',').map((s) => s.trim());
    const gens = only ? all.filter((g) => only.includes(g.name)) : all;
    const runs: RunRecord[] = [];
    for (let round = 1; round <= REPS; round++) {
      // Rotate the order each round, so no generator always runs first (or right after another).
      const order = gens.map((_, i) => gens[(i + round - 1) % gens.length]!);
      log(`round ${round}/${REPS}: ${order.map((g) => g.name).join(', ')}`);
      for (const g of order) runs.push(await measureRun(g, round, target, tools));
    }
    let csvBytes = NaN;
    try {
      csvBytes = statSync(join(dir, 'x.csv')).size;
    } catch {
      /* none */
    }

    let mem: MemoryRecord | undefined;
    if (process.env['BENCH_SKIP_MEMORY'] !== '1') {
      log(`many users: ${MEM_USERS} users, think ${THINK_MS} ms, ${MEM_SECONDS} s`);
      mem = await memoryRun(url, target, tools, dir);
    }

    const page = await measurePageOpen(log);
    if (page === undefined) notes.push('1-hour HTML report: skipped (BENCH_SKIP_PAGE=1, or no Chromium: apt-get install -y chromium)');
    for (const n of page?.notes ?? []) notes.push(`1-hour HTML report: ${n}`);
    const sums = summarize(runs);
    const r = ratios(sums, runs);
    const script = scriptFigures(sums, runs);
    for (const run of runs) for (const n of run.notes) notes.push(`${run.generator} round ${run.round}: ${n}`);
    for (const n of mem?.notes ?? []) notes.push(`many users: ${n}`);
    const ctx: Context = {
      seconds: SECONDS,
      connections: CONNECTIONS,
      rounds: REPS,
      pinned,
      cpuModel: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}`,
      node: process.version,
      commit: sh('git rev-parse --short HEAD') + (sh('git status --porcelain -- src') !== '' ? '+dirty' : ''),
    };
    const autocannonVersion = (createRequire(import.meta.url)('autocannon/package.json') as { version: string }).version;
    const result = {
      format: 'gauntlet-bench',
      version: 1,
      date: new Date().toISOString(),
      elapsedSec: (Date.now() - t0) / 1000,
      context: ctx,
      tools: { ...tools, autocannon: autocannonVersion, wrkVersion: tools.wrk ? sh('wrk --version 2>&1 | head -1') : undefined },
      throughput: { summary: sums, ratios: r, csvBytesLastRun: csvBytes, runs },
      script,
      memory: mem,
      page,
      notes,
    };
    mkdirSync(dirname(RESULTS), { recursive: true });
    writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);

    process.stdout.write(`\n${textReport(ctx, sums, r, mem, notes)}\n`);
    if (script) process.stdout.write(`\n${scriptReport(script, false)}\n`);
    if (page) process.stdout.write(`\nHTML report of a 1-hour run (${page.intervals} intervals, ${(page.bytes / 1024).toFixed(0)} KiB): opened in ${page.medianMs.toFixed(0)} ms (median of ${page.openMs.length}; goal < ${page.goalMs} ms)\n`);
    process.stdout.write(`\nREADME snippet:\n\n${markdownReport(ctx, sums, r, mem)}\n${script ? `${scriptReport(script, true)}\n` : ''}\n`);
    process.stdout.write(`wrote ${RESULTS} (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
  } finally {
    await target.stop();
    await killAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

process.on('exit', killAllNow);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    log(`\n${sig}: stopping every process started`);
    void killAll().finally(() => process.exit(130));
  });
}

main().catch(async (err: unknown) => {
  log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  await killAll();
  process.exit(1);
});
