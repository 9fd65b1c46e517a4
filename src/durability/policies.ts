import { usageError } from '../core/errors.js';
import { mulberry32 } from '../core/seeded-random.js';

/** WorkerSlot says which of `count` workers (or users) a picker is for; index is 0-based. */
export interface WorkerSlot {
  readonly index: number;
  readonly count: number;
}

/** Picker returns the index of the next behaviour in the weighted list. */
export type Picker = () => number;

/** Policy walks a weighted list: each worker gets its own picker, so workers need not share state. */
export interface Policy {
  readonly name: 'random' | 'sequential';
  /** seed of a random policy, to print in the report so a run can be repeated. */
  readonly seed?: number;
  picker(weights: readonly number[], worker?: WorkerSlot): Picker;
}

function checkWeights(weights: readonly number[]): number {
  if (weights.length === 0) throw usageError('a behaviour mix needs at least one behaviour');
  let total = 0;
  for (const w of weights) {
    if (!Number.isSafeInteger(w) || w < 1) throw usageError(`weights must be whole numbers ≥ 1, got ${w}`);
    total += w;
  }
  return total;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}


/**
 * randomPolicy picks behaviours at random in proportion to their weights, from a seeded PRNG:
 * worker i draws from its own stream (seed mixed with i), so a run with the same seed and the same
 * number of workers picks the same sequence. Without a seed one is chosen and exposed as `seed`.
 */
function randomPolicy(options: { seed?: number } = {}): Policy {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  if (!Number.isSafeInteger(seed)) throw usageError(`the seed must be a whole number, got ${seed}`);
  return {
    name: 'random',
    seed,
    picker(weights, worker = { index: 0, count: 1 }) {
      const total = checkWeights(weights);
      const cumulative: number[] = [];
      let sum = 0;
      for (const w of weights) cumulative.push((sum += w));
      const next = mulberry32((seed ^ Math.imul(worker.index + 1, 0x9e3779b1)) >>> 0);
      return () => {
        const r = next() * total;
        let lo = 0;
        let hi = cumulative.length - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (r < cumulative[mid]!) hi = mid;
          else lo = mid + 1;
        }
        return lo;
      };
    },
  };
}

/**
 * sequentialPolicy walks the list as a smooth weighted interleave (nginx's smooth weighted round
 * robin): over every `sum of weights` picks each behaviour comes exactly `weight` times, spread out
 * rather than bunched (98 plain + 2 sleep gives a sleep about every 50 requests, not two in a row).
 * Worker i of n starts i/n of the way into the cycle, as Labour's Repeat rotated each child, so
 * workers do not all misbehave at the same moment.
 */
function sequentialPolicy(): Policy {
  return {
    name: 'sequential',
    picker(given, worker = { index: 0, count: 1 }) {
      checkWeights(given);
      // Scaling every weight by the same factor gives the same interleave: reduce by their gcd.
      const divisor = given.reduce((g, w) => gcd(g, w));
      const weights = given.map((w) => w / divisor);
      const total = weights.reduce((a, w) => a + w, 0);
      const current = weights.map(() => 0);
      const step = (): number => {
        let best = 0;
        for (let i = 0; i < weights.length; i++) {
          current[i]! += weights[i]!;
          if (current[i]! > current[best]!) best = i;
        }
        current[best]! -= total;
        return best;
      };
      const offset = worker.count > 0 ? Math.floor((worker.index * total) / worker.count) % total : 0;
      for (let i = 0; i < offset; i++) step();
      return step;
    },
  };
}

/** policies are the ways to walk a weighted behaviour list: `random` (seeded) and `sequential`. */
export const policies = { random: randomPolicy, sequential: sequentialPolicy };

/** parsePolicy reads `--policy random|sequential` (with `--seed`); anything else is a usage error. */
export function parsePolicy(name: string, seed?: number): Policy {
  if (name === 'random') return randomPolicy(seed === undefined ? {} : { seed });
  if (name === 'sequential') return sequentialPolicy();
  throw usageError(`unknown policy '${name}'`, 'policies: random (with --seed), sequential');
}
