/**
 * ratios computes the benchmark's comparisons — Gauntlet against its peers, per target — with their
 * round-to-round spread. Rounds are paired: a ratio is taken within one round (both runs a few
 * seconds apart, under the same machine load), then the median of those per-round ratios is the
 * figure and their min–max the spread. A goal is met when the median meets it; a spread that crosses
 * the goal says the verdict is within the noise. Pure functions: no I/O.
 */
import { median, type RunRecord } from './bench-report.js';
import { CALIBRATION_TOLERANCE, comparable } from './calibration.js';

/** Measure is which figure of a run a ratio divides: req/s, or requests per client CPU-second. */
export type Measure = 'rps' | 'perCpu';

/** RatioSpec says what to divide by what, and the goal if there is one. */
export interface RatioSpec {
  /** target name (`node`, `nginx`). */
  readonly target: string;
  readonly num: string;
  readonly den: string;
  readonly measure: Measure;
  /** `cost` reports 1 − num/den (what `--csv` takes away) instead of num/den. */
  readonly cost?: boolean;
  /** goal: the median must be ≥ min or < max; absent: for information. */
  readonly goal?: { readonly min?: number; readonly max?: number };
}

/** RatioFigure is one computed ratio: its Spread is over every round where both ran (the ratio, or cost, of each). */
export interface RatioFigure extends RatioSpec, Spread {
  readonly label: string;
  /** true/false when there is a goal and a figure; undefined otherwise. */
  readonly goalMet?: boolean;
  /**
   * steady: the same ratio over the rounds whose two runs were measured at one machine speed (see
   * calibration.ts), for reading beside the verdict (which counts every round).
   */
  readonly steady: Spread;
}

/** Spread is a set of per-round figures with their median, min and max (NaN when there are none). */
export interface Spread {
  readonly rounds: number[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

function spreadOf(rounds: number[]): Spread {
  return rounds.length === 0 ? { rounds, median: NaN, min: NaN, max: NaN } : { rounds, median: median(rounds), min: Math.min(...rounds), max: Math.max(...rounds) };
}

const MEASURE_LABEL: Record<Measure, string> = { rps: 'req/s', perCpu: 'req per CPU-s' };

/** RATIO_SPECS are the benchmark's comparisons (issue 13's goals, and peers for information). */
export const RATIO_SPECS: readonly RatioSpec[] = [
  { target: 'node', num: 'gauntlet', den: 'autocannon', measure: 'rps', goal: { min: 1.0 } },
  { target: 'node', num: 'gauntlet', den: 'wrk', measure: 'rps', goal: { min: 1.0 } },
  { target: 'nginx', num: 'gauntlet', den: 'wrk', measure: 'rps', goal: { min: 0.95 } },
  { target: 'nginx', num: 'gauntlet', den: 'wrk', measure: 'perCpu', goal: { min: 0.9 } },
  { target: 'nginx', num: 'gauntlet', den: 'autocannon', measure: 'perCpu', goal: { min: 2.0 } },
  { target: 'node', num: 'gauntlet run', den: 'gauntlet', measure: 'perCpu', goal: { min: 0.9 } },
  { target: 'node', num: 'gauntlet --csv', den: 'gauntlet', measure: 'perCpu', cost: true, goal: { max: 0.05 } },
  { target: 'node', num: 'gauntlet', den: 'autocannon', measure: 'perCpu' },
  { target: 'node', num: 'gauntlet', den: 'hey', measure: 'rps' },
  { target: 'node', num: 'gauntlet', den: 'locust', measure: 'perCpu' },
  { target: 'nginx', num: 'gauntlet', den: 'autocannon', measure: 'rps' },
  { target: 'nginx', num: 'gauntlet', den: 'hey', measure: 'rps' },
  { target: 'nginx', num: 'gauntlet', den: 'hey', measure: 'perCpu' },
  { target: 'nginx', num: 'gauntlet', den: 'locust', measure: 'perCpu' },
  { target: 'nginx', num: 'gauntlet -p 10', den: 'autocannon -p 10', measure: 'rps' },
  { target: 'nginx', num: 'gauntlet -p 10', den: 'autocannon -p 10', measure: 'perCpu' },
];

function labelOf(s: RatioSpec): string {
  const what = s.cost ? `cost of ${s.num} (1 − ${s.num} ÷ ${s.den})` : `${s.num} ÷ ${s.den}`;
  return `${s.target}: ${what}, ${MEASURE_LABEL[s.measure]}`;
}

function value(r: RunRecord, m: Measure): number {
  return m === 'rps' ? r.rps : r.reqPerCpuSec;
}

/** computeRatios computes every spec whose two generators ran against its target in some round. */
export function computeRatios(runs: readonly RunRecord[], specs: readonly RatioSpec[] = RATIO_SPECS): RatioFigure[] {
  return specs.flatMap((spec): RatioFigure[] => {
    const mine = runs.filter((r) => r.target === spec.target);
    const pairs = [...new Set(mine.map((r) => r.round))].flatMap((k) => {
      const a = mine.find((r) => r.round === k && r.generator === spec.num);
      const b = mine.find((r) => r.round === k && r.generator === spec.den);
      if (!a || !b) return [];
      const q = value(a, spec.measure) / value(b, spec.measure);
      return Number.isFinite(q) ? [{ ratio: Number((spec.cost ? 1 - q : q).toFixed(4)), steady: comparable(a, b) }] : [];
    });
    if (pairs.length === 0) return [];
    const all = spreadOf(pairs.map((p) => p.ratio));
    const med = all.median;
    const goalMet = spec.goal === undefined ? undefined : (spec.goal.min === undefined || med >= spec.goal.min) && (spec.goal.max === undefined || med < spec.goal.max);
    return [{ ...spec, label: labelOf(spec), ...all, ...(goalMet === undefined ? {} : { goalMet }), steady: spreadOf(pairs.filter((p) => p.steady).map((p) => p.ratio)) }];
  });
}

function show(x: number, cost: boolean | undefined): string {
  return cost ? `${(x * 100).toFixed(1)} %` : `${x.toFixed(2)}×`;
}

/** ratioLine prints one figure: `median (min–max over N rounds); goal ≥ G: met`. */
export function ratioLine(f: RatioFigure, markdown: boolean): string {
  const goal = f.goal === undefined ? 'for information' : `goal ${f.goal.min !== undefined ? `≥ ${show(f.goal.min, f.cost)}` : `< ${show(f.goal.max!, f.cost)}`}: ${f.goalMet ? 'met' : 'MISSED'}`;
  const spread = f.rounds.length > 1 ? `${show(f.min, f.cost)}–${show(f.max, f.cost)} over ${f.rounds.length} rounds` : '1 round, no spread';
  const fig = markdown ? `**${show(f.median, f.cost)}**` : show(f.median, f.cost);
  return `${markdown ? '- ' : ''}${f.label}: ${fig} (${spread}); ${goal}${steadyText(f)}`;
}

/** steadyText is the figure over the rounds at one machine speed, when some rounds were not. */
function steadyText(f: RatioFigure): string {
  const s = f.steady;
  if (s.rounds.length === f.rounds.length) return '';
  const within = `within ${CALIBRATION_TOLERANCE * 100} %`;
  if (s.rounds.length === 0) return `; no round ran both at one machine speed (calibration ${within})`;
  const range = s.rounds.length > 1 ? `, ${show(s.min, f.cost)}–${show(s.max, f.cost)}` : '';
  return `; over the ${s.rounds.length} of ${f.rounds.length} rounds at one machine speed (calibration ${within}): ${show(s.median, f.cost)}${range}`;
}
