import { FAILURE_KINDS, type FailureKind } from '../core/failure-kinds.js';

/** MESSAGES_PER_KIND bounds the distinct messages kept per failure kind (per worker, and after a merge). */
export const MESSAGES_PER_KIND = 5;

/** OTHER_MESSAGES is the message under which the messages past the bound are counted. */
export const OTHER_MESSAGES = '(other messages)';

/** MAX_MESSAGE_CHARS bounds one message's length, so a huge error text costs little. */
const MAX_MESSAGE_CHARS = 200;

/** FailureSample is one underlying message of one failure kind, counted. */
export interface FailureSample {
  readonly kind: FailureKind;
  readonly message: string;
  readonly count: number;
}

/**
 * FailureSampler counts the underlying messages of failed requests (the socket's, TLS layer's or
 * parser's text, an unexpected status) per failure kind, bounded: the first MESSAGES_PER_KIND
 * distinct messages of a kind are counted on their own, any later one under OTHER_MESSAGES. So its
 * counts per kind add up to the kind's failure count and its memory stays small however the run
 * goes. It is end-of-run data: a worker sends `samples()` once, beside its final snapshot.
 */
export class FailureSampler {
  private readonly kinds = new Map<FailureKind, Map<string, { count: number }>>();

  /** add counts one failure of `kind` with its message ('' says nothing: counted as `(no message)`). */
  add(kind: FailureKind, message: string): void {
    let messages = this.kinds.get(kind);
    if (messages === undefined) this.kinds.set(kind, (messages = new Map()));
    let entry = messages.get(message);
    if (entry === undefined) {
      const key = messages.size < MESSAGES_PER_KIND ? message : OTHER_MESSAGES;
      entry = messages.get(key);
      if (entry === undefined) messages.set(key, (entry = { count: 0 }));
    }
    entry.count++;
  }

  /** samples returns what was counted, ordered as mergeFailureSamples orders it. */
  samples(): FailureSample[] {
    const out: FailureSample[] = [];
    for (const [kind, messages] of this.kinds) for (const [message, e] of messages) out.push({ kind, message: clip(message), count: e.count });
    return mergeFailureSamples([out]);
  }
}

function clip(message: string): string {
  const m = message === '' ? '(no message)' : message;
  return m.length > MAX_MESSAGE_CHARS ? `${m.slice(0, MAX_MESSAGE_CHARS - 3)}...` : m;
}

/**
 * mergeFailureSamples adds the samples of several workers or agents exactly (per kind and message)
 * and bounds the result again: per kind the `perKind` most frequent messages, the rest summed under
 * OTHER_MESSAGES, so every kind's counts still add up. Kinds come in FAILURE_KINDS order, messages by
 * count (most first; ties by message), OTHER_MESSAGES last.
 */
export function mergeFailureSamples(lists: Iterable<readonly FailureSample[]>, perKind = MESSAGES_PER_KIND): FailureSample[] {
  const sums = new Map<FailureKind, Map<string, number>>();
  for (const list of lists)
    for (const s of list) {
      let m = sums.get(s.kind);
      if (m === undefined) sums.set(s.kind, (m = new Map()));
      m.set(s.message, (m.get(s.message) ?? 0) + s.count);
    }
  const out: FailureSample[] = [];
  const kinds = [...sums.keys()].sort((a, b) => FAILURE_KINDS.indexOf(a) - FAILURE_KINDS.indexOf(b));
  for (const kind of kinds) {
    const m = sums.get(kind)!;
    let other = m.get(OTHER_MESSAGES) ?? 0;
    const named = [...m].filter(([message]) => message !== OTHER_MESSAGES).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [, count] of named.slice(perKind)) other += count;
    for (const [message, count] of named.slice(0, perKind)) out.push({ kind, message, count });
    if (other > 0) out.push({ kind, message: OTHER_MESSAGES, count: other });
  }
  return out;
}
