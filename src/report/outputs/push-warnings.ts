/**
 * PushWarnings keeps a pushing output's failures bounded on stderr: the first few are told as they
 * happen, the rest only counted, and `summary()` gives one closing line when any push failed. A
 * failing push never stops the run or its summary.
 */
export class PushWarnings {
  private failed = 0;
  private pushed = 0;
  constructor(
    private readonly what: string,
    private readonly warn: (line: string) => void,
    private readonly shown = 3,
  ) {}

  /** ok counts a push that the receiver took. */
  ok(): void {
    this.pushed++;
  }

  /** fail counts a failed push and tells it while under the bound. */
  fail(reason: string): void {
    this.failed++;
    if (this.failed <= this.shown) this.warn(`warning: ${this.what}: push failed: ${reason}${this.failed === this.shown ? ' (further failures are only counted)' : ''}\n`);
  }

  /** note tells one line once, outside the bound (a change of mode, say). */
  note(line: string): void {
    this.warn(`warning: ${this.what}: ${line}\n`);
  }

  /** summary tells how many pushes failed, once at the end; nothing when none did. */
  summary(): void {
    if (this.failed > 0) this.warn(`warning: ${this.what}: ${this.failed} of ${this.failed + this.pushed} pushes failed; the run's results are complete in its summary and files\n`);
  }

  /** failures is how many pushes failed so far. */
  get failures(): number {
    return this.failed;
  }
}
