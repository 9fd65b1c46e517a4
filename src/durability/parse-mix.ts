import { usageError } from '../core/errors.js';
import { parseBehaviour, type Behaviour } from './behaviours.js';

/** MixEntry is one weighted behaviour of a mix. */
export interface MixEntry {
  readonly behaviour: Behaviour;
  /** weight is a positive whole number: the behaviour's share is weight / sum of weights. */
  readonly weight: number;
}

/** splitTopLevel splits on commas outside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
    if (depth < 0) throw usageError(`unbalanced ')' in mix '${text}'`);
  }
  if (depth !== 0) throw usageError(`unbalanced '(' in mix '${text}'`);
  parts.push(text.slice(start));
  return parts;
}

/**
 * parseMix reads a weighted behaviour mix as written on the CLI:
 * `plain:98,sleep(seconds=0.5):1,plain(status=500):1`. A missing weight is 1. Weights are positive
 * whole numbers; an empty mix, a bad weight or a bad behaviour is a usage error (exit 2).
 */
export function parseMix(text: string): MixEntry[] {
  if (text.trim() === '') throw usageError('the behaviour mix is empty', "write it like 'plain:98,sleep(seconds=0.5):1'");
  return splitTopLevel(text).map((part) => {
    const m = /^(.*?)(?::\s*([^:()]*))?$/.exec(part.trim())!;
    const weightText = m[2];
    const weight = weightText === undefined ? 1 : Number(weightText);
    if (!Number.isSafeInteger(weight) || weight < 1) {
      throw usageError(`weight '${weightText}' of '${part.trim()}' must be a whole number ≥ 1`, "write it like 'plain:98,sleep(seconds=0.5):1'");
    }
    return { behaviour: parseBehaviour(m[1]!), weight };
  });
}
