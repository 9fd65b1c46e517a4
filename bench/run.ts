/**
 * run is Gauntlet's benchmark (`npm run bench`): in one run, on this machine, it measures
 *
 * 1. throughput and efficiency — requests/s and requests per client CPU-second of each generator
 *    against two targets, one at a time: a minimal node:http server (bench/target.ts; one process, the
 *    target is the limit) and nginx (bench/nginx-target.ts; one process, the generator is the limit).
 *    The target is pinned to CPU 0 and each generator, one at a time, to CPU 1; BENCH_REPS rounds in
 *    rotating order. Generators: `gauntlet bench -w 1`, autocannon, and where installed wrk -t1, hey
 *    and Locust FastHttpUser (bench/locust.ts); against node also `gauntlet --csv` (its cost) and
 *    `gauntlet run` of a one-GET TestCase (bench/script-bench.ts); against nginx also `gauntlet -p 10`
 *    and `autocannon -p 10` (pipelining, for information);
 * 2. ratios with their round-to-round spread (bench/ratios.ts): the median of per-round ratios and
 *    their min–max, each against its goal;
 * 3. the open model against nginx (bench/open-model.ts): achieved ÷ intended at -r 30000, and the
 *    generator's own lateness at -r 200;
 * 4. many users (bench/many-users.ts): 100,000 closed-model users with 1 s think time sharing 15,000
 *    connections against the node target: peak RSS and an exact request count;
 * 5. the HTML report of a 1-hour run (3,600 intervals) opened in headless Chromium: median time
 *    until every chart drew, goal < 2 s (bench/page-open.ts; BENCH_SKIP_PAGE=1 skips it).
 *
 * It prints a report and a README snippet and writes bench/results/latest.json. Only 127.0.0.1 is
 * used; every process it starts is ended by its process-group id, on error and on Ctrl-C too.
 *
 * Environment: BENCH_SECONDS (10), BENCH_REPS (3), BENCH_TARGETS (node,nginx), BENCH_ONLY (generator
 * names, comma-separated: gauntlet, autocannon, wrk, hey, locust, gauntlet --csv, gauntlet run,
 * gauntlet -p 10, autocannon -p 10), BENCH_SKIP_OPEN=1, BENCH_SKIP_MEMORY=1 and the many-users knobs
 * (bench/many-users.ts), BENCH_NICE (e.g. -10: run the target and generators at that niceness),
 * BENCH_QUIET_WAIT_SECONDS (10 per run), BENCH_QUIET_BUDGET_SECONDS (60 in all). Before each run it
 * waits, within those bounds, for other processes to leave the CPUs alone, and it reports how much CPU
 * they took anyway ("others"): on a shared machine that is the noise in req/s. Before and after each
 * run it times a fixed workload on the generator's CPU (bench/calibration.ts): a VM's CPU also has
 * slow phases no process accounts for, and each ratio adds its figure over the rounds whose two runs
 * saw one speed.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownReport, summarize, textReport, type Context, type RunRecord, type Section } from './bench-report.js';
import { autocannon, gauntlet, hey, wrk, GAUNTLET_CLI, type Generator } from './generators.js';
import { busyCores, readCpuTicks, waitForQuiet } from './cpu-load.js';
import { calibrate, calibrationLine } from './calibration.js';
import { detectTools, killAll, killAllNow, runMeasured, Target, type BenchTarget, type Tools } from './measured-process.js';
import { NginxTarget } from './nginx-target.js';
import { locust } from './locust.js';
import { computeRatios, ratioLine } from './ratios.js';
import { openModelRuns, openModelSection, type OpenModelRecord } from './open-model.js';
import { manyUsersRun, manyUsersSection, type ManyUsersRecord } from './many-users.js';
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
const PIPELINING = 10;
const MANY_USERS = {
  users: Math.round(envNumber('BENCH_MEM_USERS', 100_000)),
  connections: Math.round(envNumber('BENCH_MEM_CONNECTIONS', 15_000)),
  rampUpSec: envNumber('BENCH_MEM_RAMP_SECONDS', 20),
  thinkMs: 1000,
  requests: Math.round(envNumber('BENCH_MEM_REQUESTS', 600_000)),
};
/** Before each run, wait (at most QUIET_WAIT_MS, QUIET_BUDGET_MS in all) until others use < QUIET_CORES. */
const QUIET_CORES = 0.15;
const QUIET_WAIT_MS = envNumber('BENCH_QUIET_WAIT_SECONDS', 10) * 1000;
let quietBudgetMs = envNumber('BENCH_QUIET_BUDGET_SECONDS', 60) * 1000;

const log = (s: string) => process.stderr.write(`${s}\n`);
const notes: string[] = [];

function sh(cmd: string): string {
  return spawnSync('bash', ['-c', cmd], { encoding: 'utf8' }).stdout?.trim() ?? '';
}

/** quiet waits, within the budget, for the machine to be quiet; it returns how long it waited. */
async function quiet(): Promise<number> {
  const q = await waitForQuiet(cpus().length, QUIET_CORES, Math.min(QUIET_WAIT_MS, quietBudgetMs));
  quietBudgetMs -= q.waitedMs;
  return q.waitedMs;
}

/** measureRun runs one generator against the target and turns its output into a RunRecord. */
async function measureRun(g: Generator, round: number, target: BenchTarget, tools: Tools): Promise<RunRecord> {
  const waitedMs = await quiet();
  const cpu = tools.taskset ? GENERATOR_CPU : undefined;
  const calibrationBefore = await calibrate(cpu, tools);
  const before = await target.stats();
  const ticks0 = readCpuTicks();
  const m = await runMeasured(g.argv(), { cpu, timeoutMs: SECONDS * 1000 + 30_000, tools });
  const ticks1 = readCpuTicks();
  const after = await target.stats();
  const calibrationAfter = await calibrate(cpu, tools);
  const targetCores = (after.cpuMs - before.cpuMs) / m.wallMs;
  const rec: RunRecord = {
    target: target.name,
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
    waitedMs,
    calibrationMs: { before: calibrationBefore, after: calibrationAfter },
    exitCode: m.exitCode,
    notes: [],
  };
  if (m.timedOut) rec.notes.push('timed out and was killed');
  if (m.exitCode !== 0) rec.notes.push(`exit ${m.exitCode ?? m.signal}: ${m.stderr.trim().slice(0, 300)}`);
  if (rec.otherCores > QUIET_CORES) rec.notes.push(`machine busy: other processes took ${rec.otherCores.toFixed(2)} cores`);
  try {
    const f = g.parse(m.stdout, m.stderr);
    rec.requests = f.requests;
    rec.failed = f.failed;
    rec.durationSec = f.durationSec;
    rec.rps = f.requests / f.durationSec;
    rec.reqPerCpuSec = f.requests / m.cpuSec;
    rec.reqPerUserSec = f.requests / m.userSec;
    rec.p99Ms = f.p99Ms;
    // The target counts every request it answered; a generator may not count the few still in
    // flight when it stops (at most one per connection, or per pipelined slot), and must never
    // count more than were sent.
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
  log(`  ${g.name.padEnd(16)} ${Math.round(rec.rps).toLocaleString('en-US').padStart(8)} req/s  ${Math.round(rec.reqPerCpuSec).toLocaleString('en-US').padStart(8)} req/CPU-s  (CPU ${rec.userSec.toFixed(2)} + ${(rec.cpuSec - rec.userSec).toFixed(2)} s, target CPU ${Math.round(rec.targetCpuPct)}%${rss}, others ${rec.otherCores.toFixed(2)} cores, calibration ${rec.calibrationMs.before.toFixed(0)}/${rec.calibrationMs.after.toFixed(0)} ms${waitedMs > 600 ? `, waited ${(waitedMs / 1000).toFixed(1)} s for quiet` : ''})${rec.notes.length ? `  ! ${rec.notes.join('; ')}` : ''}`);
  return rec;
}

/** peers are the generators both targets get: gauntlet, autocannon and the installed ones. */
function peers(url: string, tools: Tools, dir: string): Generator[] {
  return [
    gauntlet('gauntlet', url, CONNECTIONS, SECONDS, join(dir, 'g.json')),
    autocannon(url, CONNECTIONS, SECONDS),
    ...(tools.wrk !== undefined ? [wrk(tools.wrk, url, CONNECTIONS, SECONDS)] : []),
    ...(tools.hey !== undefined ? [hey(tools.hey, url, CONNECTIONS, SECONDS)] : []),
    ...(tools.locustPython !== undefined ? [locust(tools.locustPython, url, CONNECTIONS, SECONDS, dir)] : []),
  ];
}

/** generatorsFor lists the generators of one target's rounds (filtered by BENCH_ONLY). */
function generatorsFor(target: string, url: string, tools: Tools, dir: string): Generator[] {
  const all =
    target === 'node'
      ? [...peers(url, tools, dir), gauntlet('gauntlet --csv', url, CONNECTIONS, SECONDS, join(dir, 'gc.json'), ['--csv', join(dir, 'x.csv')]), gauntletScript(url, CONNECTIONS, SECONDS, dir)]
      : [
          ...peers(url, tools, dir),
          gauntlet(`gauntlet -p ${PIPELINING}`, url, CONNECTIONS, SECONDS, join(dir, 'gp.json'), ['-p', String(PIPELINING)], CONNECTIONS * PIPELINING),
          autocannon(url, CONNECTIONS, SECONDS, PIPELINING),
        ];
  const only = process.env['BENCH_ONLY']?.split(',').map((s) => s.trim());
  return only ? all.filter((g) => only.includes(g.name)) : all;
}

/** rounds warms the target up, then runs every generator BENCH_REPS times in rotating order. */
async function rounds(target: BenchTarget, gens: Generator[], tools: Tools): Promise<RunRecord[]> {
  const url = `http://127.0.0.1:${target.port}/`;
  const warm = autocannon(url, CONNECTIONS, Math.min(3, SECONDS));
  log(`warming the ${target.name} target up (${Math.min(3, SECONDS)} s)`);
  await runMeasured(warm.argv(), { cpu: tools.taskset ? GENERATOR_CPU : undefined, timeoutMs: 30_000, tools });
  const runs: RunRecord[] = [];
  for (let round = 1; round <= REPS; round++) {
    // Rotate the order each round, so no generator always runs first (or right after another).
    const order = gens.map((_, i) => gens[(i + round - 1) % gens.length]!);
    log(`${target.name} round ${round}/${REPS}: ${order.map((g) => g.name).join(', ')}`);
    for (const g of order) runs.push(await measureRun(g, round, target, tools));
  }
  return runs;
}

/** withTarget starts a target, hands it to `use` and always stops it. */
async function withTarget<T>(start: () => Promise<BenchTarget>, pinned: boolean, use: (t: BenchTarget) => Promise<T>): Promise<T> {
  const target = await start();
  log(`${target.name} target http://127.0.0.1:${target.port}/ (pid ${target.pid})${pinned ? ' on CPU 0; generators on CPU 1' : ''}`);
  try {
    return await use(target);
  } finally {
    await target.stop();
  }
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
  const missing = `skipped (install: apt-get install -y $(cat .ci/bench-apt-packages))`;
  if (tools.wrk === undefined) notes.push(`wrk not installed: ${missing}`);
  if (tools.hey === undefined) notes.push(`hey not installed: ${missing}`);
  if (tools.locustPython === undefined) notes.push(`Locust not installed (no python3 that can import locust): ${missing}`);
  if (cpus().length < 2) notes.push(`only ${cpus().length} CPU: pinning to CPU 1 is not possible`);
  const pinned = tools.taskset && cpus().length >= 2;
  if (!pinned) tools.taskset = false;
  const genCpu = pinned ? GENERATOR_CPU : undefined;
  statSync(GAUNTLET_CLI); // built?
  const targets = (process.env['BENCH_TARGETS'] ?? 'node,nginx').split(',').map((s) => s.trim());
  if (targets.includes('nginx') && tools.nginx === undefined) notes.push(`nginx not installed: the nginx target, its rounds and the open model are ${missing}`);

  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-bench-'));
  try {
    const runs: RunRecord[] = [];
    let manyUsers: ManyUsersRecord | undefined;
    let openModel: OpenModelRecord | undefined;
    let csvBytes = NaN;
    if (targets.includes('node')) {
      await withTarget(
        () => Target.start(join(here, 'target.js'), pinned ? TARGET_CPU : undefined, tools),
        pinned,
        async (target) => {
          runs.push(...(await rounds(target, generatorsFor('node', `http://127.0.0.1:${target.port}/`, tools, dir), tools)));
          try {
            csvBytes = statSync(join(dir, 'x.csv')).size;
          } catch {
            /* none */
          }
          if (process.env['BENCH_SKIP_MEMORY'] !== '1') {
            log(`many users: ${MANY_USERS.users} users on ${MANY_USERS.connections} connections, think ${MANY_USERS.thinkMs} ms, -n ${MANY_USERS.requests}`);
            await quiet();
            manyUsers = await manyUsersRun(MANY_USERS, target, tools, genCpu, dir);
            log(`  peak RSS ${Math.round(manyUsers.peakRssMiB)} MiB, ${manyUsers.counted} requests${manyUsers.notes.length ? `  ! ${manyUsers.notes.join('; ')}` : ''}`);
          }
        },
      );
    }
    if (targets.includes('nginx') && tools.nginx !== undefined) {
      const nginx = tools.nginx;
      await withTarget(
        () => NginxTarget.start(nginx, pinned ? TARGET_CPU : undefined, tools),
        pinned,
        async (target) => {
          runs.push(...(await rounds(target, generatorsFor('nginx', `http://127.0.0.1:${target.port}/`, tools, dir), tools)));
          if (process.env['BENCH_SKIP_OPEN'] !== '1') {
            log(`open model against nginx: -r 30000, then -r 200, ${SECONDS} s each`);
            await quiet();
            openModel = await openModelRuns(SECONDS, target, tools, genCpu, dir);
            log(`  achieved ${(openModel.achievedShare * 100).toFixed(1)} %, lateness p99 ${openModel.lateness.ms.toFixed(3)} ms${[...openModel.high.notes, ...openModel.low.notes].map((n) => `  ! ${n}`).join('')}`);
          }
        },
      );
    }

    const page = await measurePageOpen(log);
    if (page === undefined) notes.push('1-hour HTML report: skipped (BENCH_SKIP_PAGE=1, or no Chromium: apt-get install -y chromium)');
    for (const n of page?.notes ?? []) notes.push(`1-hour HTML report: ${n}`);
    const sums = summarize(runs);
    const figures = computeRatios(runs);
    const nodeRuns = runs.filter((r) => r.target === 'node');
    const script = scriptFigures(
      sums.filter((s) => s.target === 'node'),
      nodeRuns,
    );
    for (const run of runs) for (const n of run.notes) notes.push(`${run.target} ${run.generator} round ${run.round}: ${n}`);
    for (const n of manyUsers?.notes ?? []) notes.push(`many users: ${n}`);
    for (const o of openModel ? [openModel.high, openModel.low] : []) for (const n of o.notes) notes.push(`open model -r ${o.rate}: ${n}`);

    const sections: Section[] = [];
    if (figures.length > 0) sections.push({ text: ['Ratios (median of per-round ratios, min–max; above 1 means gauntlet is ahead):', ...figures.map((f) => `  ${ratioLine(f, false)}`)], markdown: figures.map((f) => ratioLine(f, true)) });
    const speed = calibrationLine(runs);
    if (speed !== undefined) sections.push({ text: [speed], markdown: [`- ${speed}`] });
    if (script) sections.push({ text: [scriptReport(script, false)], markdown: [scriptReport(script, true)] });
    if (openModel) sections.push(openModelSection(openModel));
    if (manyUsers) sections.push(manyUsersSection(manyUsers));
    if (page) {
      const line = `HTML report of a 1-hour run (${page.intervals} intervals, ${(page.bytes / 1024).toFixed(0)} KiB): opened in ${page.medianMs.toFixed(0)} ms (median of ${page.openMs.length}; goal < ${page.goalMs} ms)`;
      sections.push({ text: [line], markdown: [`- ${line}`] });
    }

    const ctx: Context = {
      seconds: SECONDS,
      connections: CONNECTIONS,
      rounds: REPS,
      pinned,
      targets: [...new Set(runs.map((r) => r.target))],
      cpuModel: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}`,
      node: process.version,
      commit: sh('git rev-parse --short HEAD') + (sh('git status --porcelain -- src') !== '' ? '+dirty' : ''),
    };
    const autocannonVersion = (createRequire(import.meta.url)('autocannon/package.json') as { version: string }).version;
    const result = {
      format: 'gauntlet-bench',
      version: 2,
      date: new Date().toISOString(),
      elapsedSec: (Date.now() - t0) / 1000,
      context: ctx,
      tools: {
        ...tools,
        autocannon: autocannonVersion,
        wrkVersion: tools.wrk ? sh('wrk --version 2>&1 | head -1') : undefined,
        nginxVersion: tools.nginx ? sh(`${tools.nginx} -v 2>&1`) : undefined,
        locustVersion: tools.locustPython ? sh(`${tools.locustPython} -m locust --version 2>&1 | head -1`) : undefined,
      },
      throughput: { summary: sums, csvBytesLastRun: csvBytes, runs },
      ratios: figures,
      script,
      openModel,
      manyUsers,
      page,
      notes,
    };
    mkdirSync(dirname(RESULTS), { recursive: true });
    writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);

    process.stdout.write(`\n${textReport(ctx, sums, sections, notes)}\n`);
    process.stdout.write(`\nREADME snippet:\n\n${markdownReport(ctx, sums, sections)}\n\n`);
    process.stdout.write(`wrote ${RESULTS} (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
  } finally {
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
