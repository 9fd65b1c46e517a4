import { formatCount } from '../core/units.js';
import type { RunResult } from '../metrics/run-result.js';

/**
 * failureDetailLines render the result's `failures` for the text summary, under the failure
 * breakdown: per kind its most common underlying messages with their counts, and a hint under a
 * message whose cause is recognisable (a hint shared by the kind's next message is not repeated).
 * No lines when the result has none (every request went as expected, or an older result).
 */
export function failureDetailLines(result: RunResult): string[] {
  const failures = result.failures ?? [];
  if (failures.length === 0) return [];
  const lines = ['Failure detail (most common messages per kind):'];
  let lastKind = '';
  let lastHint: string | undefined;
  for (const f of failures) {
    if (f.kind !== lastKind) lastHint = undefined;
    lines.push(`  ${(f.kind === lastKind ? '' : f.kind).padEnd(12)} ${formatCount(f.count).padStart(10)} × ${f.message}`);
    if (f.hint !== undefined && f.hint !== lastHint) lines.push(`  ${''.padEnd(12)} ${''.padStart(10)}   hint: ${f.hint}`);
    lastKind = f.kind;
    lastHint = f.hint;
  }
  return lines;
}
