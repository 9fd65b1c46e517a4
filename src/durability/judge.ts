import type { OutcomeKind } from '../core/failure-kinds.js';
import type { BehaviourExpectation } from './behaviours.js';

/**
 * TransportOutcome is what the transport saw for one request (a subset of ResponseInfo): `ok` when a
 * whole response arrived (any status), else the failure kind (`reset` covers a connection closed
 * with no response as well as an RST; `timeout` is the client's own timeout).
 */
export interface TransportOutcome {
  readonly kind: OutcomeKind;
  readonly status: number;
  readonly bodyBytes: number;
}

/** GATEWAY_STATUSES are what a proxy answers for an upstream that failed: bad gateway, unavailable, timed out. */
const GATEWAY_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

/**
 * judge says whether a request ended as its behaviour expected: `ok`, or the failure kind to count.
 * A response with the wrong status is `status`; a wrong body length, or a success where the server
 * should have failed, is `expectation`; a transport failure that was not expected keeps its kind.
 * Unlike Labour (whose wedge and segfault checks compared the exception object and never passed),
 * `server-error` is met by a 5xx or by the connection being closed or reset before the client's timeout;
 * `gateway-error` (behind a proxy) only by a 502, 503 or 504: a proxy that drops the client's
 * connection instead of answering for its upstream fails it.
 */
export function judge(expectation: BehaviourExpectation, outcome: TransportOutcome): OutcomeKind {
  switch (expectation.kind) {
    case 'response':
      if (outcome.kind !== 'ok') return outcome.kind;
      if (outcome.status !== expectation.status) return 'status';
      if (expectation.bodyBytes !== undefined && outcome.bodyBytes !== expectation.bodyBytes) return 'expectation';
      return 'ok';
    case 'server-error':
      if (outcome.kind === 'ok') return outcome.status >= 500 && outcome.status <= 599 ? 'ok' : 'expectation';
      return outcome.kind === 'reset' ? 'ok' : outcome.kind;
    case 'reset':
      if (outcome.kind === 'ok') return 'expectation';
      return outcome.kind === 'reset' ? 'ok' : outcome.kind;
    case 'gateway-error':
      if (outcome.kind !== 'ok') return outcome.kind;
      return GATEWAY_STATUSES.has(outcome.status) ? 'ok' : 'status';
  }
}
