/**
 * FAILURE_KINDS is the fixed vocabulary of unexpected outcomes. The transport classifies errors into
 * the first seven and `local` at its edge; `status` means an unexpected status code and
 * `expectation` an unexpected result of another kind (a body of the wrong length, a success where a
 * failure was due). `local` is the load generator's own limit, not the target's: it ran out of file
 * descriptors (EMFILE, ENFILE), local ports (EADDRNOTAVAIL) or socket buffers (ENOBUFS). It comes
 * last so that the codes of the others (raw rows) keep their values.
 */
export const FAILURE_KINDS = ['timeout', 'refused', 'reset', 'dns', 'tls', 'protocol', 'aborted', 'status', 'expectation', 'error', 'local'] as const;

/**
 * LOCAL_LIMIT_CODES are the error codes of a `local` failure: the generator's own limits (file
 * descriptors of the process and of the system, local ports, socket buffers). One list for the
 * classifier, the `local_limit{code}` counters and the summary's hints.
 */
export const LOCAL_LIMIT_CODES = ['EMFILE', 'ENFILE', 'EADDRNOTAVAIL', 'ENOBUFS'] as const;

/** FailureKind is one entry of FAILURE_KINDS (`error` is an exception in user code). */
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** OutcomeKind is what a request ended as: `ok` (as expected) or a failure kind. */
export type OutcomeKind = 'ok' | FailureKind;

/** failureCode maps an outcome kind to the small integer stored in raw rows (0 = ok). */
export function failureCode(kind: OutcomeKind): number {
  return kind === 'ok' ? 0 : FAILURE_KINDS.indexOf(kind) + 1;
}

/** failureName is the inverse of failureCode ('' for ok; `error` for a code it does not know). */
export function failureName(code: number): OutcomeKind | '' {
  return code === 0 ? '' : (FAILURE_KINDS[code - 1] ?? 'error');
}
