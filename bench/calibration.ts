/**
 * calibration times a fixed CPU-bound workload on the generator's CPU, before and after each run, so
 * the benchmark can tell a slow phase of the machine from a slow tool. On this VM the generator's CPU
 * has phases, tens of seconds long, in which every process needs a third more CPU per request, with
 * nothing in /proc/stat (no steal, no other process) to show it; a ratio of two runs taken in
 * different phases measures the machine, not the tools. The workload is JIT-compiled JavaScript and
 * native hashing, as a generator's work is; it takes about a quarter of a second.
 */
import { median, type RunRecord } from './bench-report.js';
import { runMeasured, type Tools } from './measured-process.js';

/** CALIBRATION_TOLERANCE: two calibrations more than this far apart (max ÷ min − 1) say the machine's speed changed. */
export const CALIBRATION_TOLERANCE = 0.1;

const WORKLOAD = `
const { createHash } = require('node:crypto');
const t = performance.now();
let b = Buffer.alloc(64);
for (let i = 0; i < 100000; i++) b = createHash('sha256').update(b).digest();
let x = 0;
for (let i = 0; i < 15000000; i++) x = (x * 31 + i) | 0;
process.stdout.write(String(performance.now() - t) + (x === 0.5 ? '!' : '') + '\\n');
`;

/** calibrate runs the workload pinned to `cpu`: how long it took (ms), NaN when it could not run. */
export async function calibrate(cpu: number | undefined, tools: Tools): Promise<number> {
  const m = await runMeasured([process.execPath, '-e', WORKLOAD], { cpu, timeoutMs: 30_000, tools });
  const ms = Number(m.stdout.trim());
  return m.exitCode === 0 && ms > 0 ? ms : NaN;
}

/** relativeRange is max ÷ min − 1 of some calibrations (NaN when any is missing). */
function relativeRange(ms: readonly number[]): number {
  return ms.every((x) => x > 0) ? Math.max(...ms) / Math.min(...ms) - 1 : NaN;
}

/**
 * comparable says whether two runs of one round were measured at the same machine speed: each one's
 * calibrations before and after it, all four within CALIBRATION_TOLERANCE of each other. False when
 * a calibration is missing: then nothing says they were.
 */
export function comparable(a: RunRecord, b: RunRecord): boolean {
  return relativeRange([a.calibrationMs.before, a.calibrationMs.after, b.calibrationMs.before, b.calibrationMs.after]) <= CALIBRATION_TOLERANCE;
}

/** calibrationLine sums a benchmark's calibrations: their median and range, and how many runs saw the speed change. */
export function calibrationLine(runs: readonly RunRecord[]): string | undefined {
  const all = runs.flatMap((r) => [r.calibrationMs.before, r.calibrationMs.after]).filter((x) => x > 0);
  if (all.length === 0) return undefined;
  const changed = runs.filter((r) => !(relativeRange([r.calibrationMs.before, r.calibrationMs.after]) <= CALIBRATION_TOLERANCE)).length;
  return `Machine speed (a fixed workload on the generator's CPU before and after each run): median ${median(all).toFixed(0)} ms, ${Math.min(...all).toFixed(0)}–${Math.max(...all).toFixed(0)} ms; it changed by more than ${CALIBRATION_TOLERANCE * 100} % during ${changed} of ${runs.length} runs.`;
}
