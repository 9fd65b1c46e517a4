/**
 * open-model measures `gauntlet bench` in the open model against the nginx target (which is never the
 * limit), one worker:
 *
 * - `-r 30000 -d Ss`: the achieved rate ÷ the intended one, from the JSON's `rate` section (goal ≥ 99 %);
 * - `-r 200 -d Ss --csv`: the generator's own lateness, p99 (goal < 1 ms), as the issue defines it:
 *   per request, response time (from the intended send time) minus service time (from the actual
 *   send), read from the raw CSV; beside it the JSON's `generator_lateness` p99 (how late each
 *   arrival was dispatched, and the lateness probe).
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fix, int, type Section } from './bench-report.js';
import { GAUNTLET_CLI } from './generators.js';
import { runMeasured, type BenchTarget, type Tools } from './measured-process.js';

/** OPEN_RATE_GOAL: achieved ÷ intended at the high rate. OPEN_LATENESS_GOAL_MS: p99 lateness at the low rate. */
export const OPEN_RATE_GOAL = 0.99;
export const OPEN_LATENESS_GOAL_MS = 1;

/** OpenRun is one open-model run. */
export interface OpenRun {
  rate: number;
  seconds: number;
  intended: number;
  achieved: number;
  requests: number;
  serverRequests: number;
  failed: number;
  dropped: number;
  /** p99 of generator_lateness (ms), NaN when the run did not record it. */
  latenessP99Ms: number;
  /** per request: response time − service time (ms), p50/p90/p99/max over the CSV's rows (NaN without --csv). */
  gapMs: { p50: number; p90: number; p99: number; max: number; rows: number };
  durationP99Ms: number;
  serviceP99Ms: number;
  cpuSec: number;
  exitCode: number | null;
  notes: string[];
}

/** OpenModelRecord is both runs and their verdicts. */
export interface OpenModelRecord {
  high: OpenRun;
  low: OpenRun;
  achievedShare: number;
  /** the lateness figure (p99 ms) and where it came from. */
  lateness: { ms: number; source: 'response − service per request' | 'generator_lateness' };
  rateGoalMet: boolean;
  latenessGoalMet: boolean;
}

interface OpenJson {
  rate?: { intended: number; achieved: number };
  metrics: { counters: Record<string, number> };
  summary: Record<string, { p99: number } | undefined>;
}

/** gapOf reads a raw CSV: per row, response_time_s − service_time_s in ms, summarized. */
function gapOf(csvFile: string): OpenRun['gapMs'] {
  const gaps: number[] = [];
  for (const line of readFileSync(csvFile, 'utf8').split('\n').slice(1)) {
    const f = line.split(',');
    if (f.length < 6 || f[5] !== '') continue;
    gaps.push((Number(f[1]) - Number(f[3])) * 1000);
  }
  gaps.sort((a, b) => a - b);
  const at = (q: number) => gaps[Math.min(gaps.length - 1, Math.ceil(q * gaps.length) - 1)] ?? NaN;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: gaps[gaps.length - 1] ?? NaN, rows: gaps.length };
}

const NO_GAP: OpenRun['gapMs'] = { p50: NaN, p90: NaN, p99: NaN, max: NaN, rows: 0 };

/** openRun is one open-model run; with `csv`, the raw rows give the per-request gap. */
export async function openRun(rate: number, seconds: number, target: BenchTarget, tools: Tools, cpu: number | undefined, dir: string, csv = false): Promise<OpenRun> {
  const jsonFile = join(dir, `open-${rate}.json`);
  const csvFile = join(dir, `open-${rate}.csv`);
  const before = await target.stats();
  const argv = [process.execPath, GAUNTLET_CLI, 'bench', `http://127.0.0.1:${target.port}/`, '-r', String(rate), '-d', `${seconds}s`, '-w', '1', '-q', '--json', jsonFile, ...(csv ? ['--csv', csvFile] : [])];
  const m = await runMeasured(argv, { cpu, timeoutMs: seconds * 1000 + 30_000, tools });
  const after = await target.stats();
  const r: OpenRun = { rate, seconds, intended: NaN, achieved: NaN, requests: NaN, serverRequests: after.requests - before.requests, failed: NaN, dropped: NaN, latenessP99Ms: NaN, gapMs: NO_GAP, durationP99Ms: NaN, serviceP99Ms: NaN, cpuSec: m.cpuSec, exitCode: m.exitCode, notes: [] };
  if (m.timedOut) r.notes.push('timed out and was killed');
  if (m.exitCode !== 0) r.notes.push(`exit ${m.exitCode ?? m.signal}: ${m.stderr.trim().slice(0, 300)}`);
  try {
    const j = JSON.parse(readFileSync(jsonFile, 'utf8')) as OpenJson;
    r.intended = j.rate?.intended ?? NaN;
    r.achieved = j.rate?.achieved ?? NaN;
    r.requests = j.metrics.counters['http_reqs'] ?? NaN;
    r.failed = j.metrics.counters['http_req_failed'] ?? 0;
    r.dropped = j.metrics.counters['dropped_iterations'] ?? 0;
    r.latenessP99Ms = j.summary['generator_lateness']?.p99 ?? NaN;
    r.durationP99Ms = j.summary['http_req_duration']?.p99 ?? NaN;
    r.serviceP99Ms = j.summary['http_req_service_time']?.p99 ?? NaN;
    if (j.rate === undefined) r.notes.push('no rate section in the JSON');
    if (r.requests !== r.serverRequests) r.notes.push(`count mismatch: gauntlet ${r.requests}, target ${r.serverRequests}`);
    if (r.failed > 0) r.notes.push(`${r.failed} failed requests`);
    if (r.dropped > 0) r.notes.push(`${r.dropped} arrivals dropped`);
    if (csv) r.gapMs = gapOf(csvFile);
  } catch (err) {
    r.notes.push(`could not read output: ${(err as Error).message.slice(0, 200)}`);
  }
  rmSync(jsonFile, { force: true });
  rmSync(csvFile, { force: true });
  return r;
}

/** openModelRuns runs the high rate, then the low one, against `target` (nginx). */
export async function openModelRuns(seconds: number, target: BenchTarget, tools: Tools, cpu: number | undefined, dir: string, rates = { high: 30_000, low: 200 }): Promise<OpenModelRecord> {
  const high = await openRun(rates.high, seconds, target, tools, cpu, dir);
  const low = await openRun(rates.low, seconds, target, tools, cpu, dir, true);
  const lateness = low.gapMs.rows > 0 ? { ms: low.gapMs.p99, source: 'response − service per request' as const } : { ms: low.latenessP99Ms, source: 'generator_lateness' as const };
  const achievedShare = high.achieved / high.intended;
  return { high, low, achievedShare, lateness, rateGoalMet: achievedShare >= OPEN_RATE_GOAL, latenessGoalMet: lateness.ms < OPEN_LATENESS_GOAL_MS };
}

/** openModelSection reports both runs. */
export function openModelSection(o: OpenModelRecord): Section {
  const rate = `-r ${int(o.high.rate)}: achieved ${int(o.high.achieved)} of ${int(o.high.intended)}/s = ${fix(o.achievedShare * 100, 1)} % (goal ≥ ${OPEN_RATE_GOAL * 100} %: ${o.rateGoalMet ? 'met' : 'MISSED'})`;
  const g = o.low.gapMs;
  const how = o.lateness.source === 'generator_lateness' ? 'generator_lateness p99 (the CSV was not read)' : `p99 of response − service time over ${int(g.rows)} requests; p50 ${fix(g.p50, 3)}, p90 ${fix(g.p90, 3)}, max ${fix(g.max, 3)} ms; generator_lateness p99 ${fix(o.low.latenessP99Ms, 3)} ms`;
  const late = `-r ${int(o.low.rate)}: the generator's own lateness ${fix(o.lateness.ms, 3)} ms (${how}; goal < ${OPEN_LATENESS_GOAL_MS} ms: ${o.latenessGoalMet ? 'met' : 'MISSED'})`;
  return {
    text: [
      `Open model, 1 worker, nginx target, ${o.high.seconds} s each:`,
      `  ${rate}; CPU ${fix(o.high.cpuSec, 1)} s; dropped ${int(o.high.dropped)}`,
      `  ${late}; response p99 ${fix(o.low.durationP99Ms, 3)} ms, service p99 ${fix(o.low.serviceP99Ms, 3)} ms`,
    ],
    markdown: [`- open model against nginx, 1 worker: ${rate}`, `- open model against nginx, 1 worker: ${late}`],
  };
}
