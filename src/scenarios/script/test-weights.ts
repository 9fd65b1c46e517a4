/**
 * TestWeights assigns global user indexes to tests by weight, deterministically (as Locust assigns
 * users to classes): smooth weighted round-robin over the user index, so weights 3:1 give
 * A A B A | A A B A … and any prefix of users is as close to the weights as whole users allow.
 * Every worker computes the same sequence, so the split holds across workers and agents.
 */
export class TestWeights {
  private readonly weights: readonly number[];
  private readonly total: number;
  private readonly current: number[];
  private readonly sequence: number[] = [];

  constructor(weights: readonly number[]) {
    if (weights.length === 0) throw new Error('TestWeights needs at least one test');
    for (const w of weights) if (!(Number.isFinite(w) && w > 0)) throw new Error(`test weight must be a number > 0, got ${w}`);
    this.weights = weights;
    this.total = weights.reduce((a, b) => a + b, 0);
    this.current = weights.map(() => 0);
  }

  /** pick returns the index of the test global user `userIndex` runs. */
  pick(userIndex: number): number {
    if (this.weights.length === 1) return 0;
    while (this.sequence.length <= userIndex) this.sequence.push(this.next());
    return this.sequence[userIndex]!;
  }

  private next(): number {
    let best = 0;
    for (let i = 0; i < this.weights.length; i++) {
      this.current[i]! += this.weights[i]!;
      if (this.current[i]! > this.current[best]!) best = i;
    }
    this.current[best]! -= this.total;
    return best;
  }
}
