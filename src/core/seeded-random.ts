/**
 * mulberry32 is a small, fast, well-mixed 32-bit PRNG: the same seed gives the same stream of
 * numbers in [0, 1) (weighted choices that a run can replay, tests that a failing seed can repeat).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
