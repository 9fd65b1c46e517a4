import { FAILURE_KINDS, type FailureKind } from '../core/failure-kinds.js';

/**
 * FAILURE_CAUSES name why an unexpected result failed, for people choosing a server: the outcome
 * kinds of core/failure-kinds.ts, with `reset` split by what the connection did (an RST, a close
 * before any byte of the answer, a close in the middle of one), each with a short description.
 */
export const FAILURE_CAUSES = {
  refused: 'refused (nothing listened: the server was down)',
  reset: 'reset (the connection was reset)',
  closed: 'closed before a response',
  cut: 'closed mid-response',
  timeout: 'timeout (no answer within the client timeout)',
  status: 'wrong status',
  expectation: 'wrong answer (body length, or a success where a failure was due)',
  dns: 'dns',
  tls: 'tls',
  protocol: 'protocol error (a malformed response)',
  aborted: 'aborted (cut off at the end of the run)',
  error: 'error',
  local: "local limit (the generator's own: file descriptors, ports)",
} as const satisfies Record<FailureKind | 'closed' | 'cut', string>;

/** FailureCause is one key of FAILURE_CAUSES. */
export type FailureCause = keyof typeof FAILURE_CAUSES;

/** CAUSE_ORDER is the order causes are listed in: FAILURE_CAUSES' own. */
export const CAUSE_ORDER: readonly FailureCause[] = Object.keys(FAILURE_CAUSES) as FailureCause[];

/**
 * failureCause names the cause of one unexpected result from its kind and the transport's short
 * error text: a `reset` whose connection ended with no answer (`socket hang up`, `socket closed`) is
 * `closed`, one that ended mid-answer is `cut`, an RST (ECONNRESET, EPIPE) stays `reset`.
 */
export function failureCause(kind: FailureKind, error: string): FailureCause {
  if (kind !== 'reset') return FAILURE_KINDS.includes(kind) ? kind : 'error';
  if (/mid-response/.test(error)) return 'cut';
  if (/socket hang up|socket closed|closed before|other side closed/i.test(error)) return 'closed';
  return 'reset';
}
