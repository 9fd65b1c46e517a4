import type { BehaviourExpectation } from './behaviours.js';
import { BEHAVIOUR_PROTOCOL, type BehaviourName } from './protocol.js';

/**
 * ProxyTraits are what the judge needs to know about a proxy in front of the server: its name (for
 * reports) and how long it waits between two reads from the upstream before giving up
 * (nginx's `proxy_read_timeout`).
 */
export interface ProxyTraits {
  readonly name: string;
  readonly readTimeoutMs: number;
}

/** ProxiedBehaviour is the part of a behaviour its expectation behind a proxy depends on. */
export interface ProxiedBehaviour {
  readonly name: BehaviourName;
  readonly params: Readonly<Record<string, number | string>>;
  readonly expectation: BehaviourExpectation;
}

const paramOr = (b: ProxiedBehaviour, key: string): number => {
  const given = b.params[key];
  return typeof given === 'number' ? given : (BEHAVIOUR_PROTOCOL[b.name][key]?.default as number);
};

/**
 * expectationBehindProxy says what a behaviour should get when a reverse proxy (nginx) stands
 * between the client and the server, as probed against nginx 1.22 (docs/behaviours.md has the table):
 * - `crash`, `segfault`, `reset`: the upstream connection dies before any header, so the proxy
 *   answers **502** (it never passes the drop on to the client);
 * - `wedge`, `hang`: the proxy answers **504** after `proxy_read_timeout` (502 if the server's own
 *   timeout kills the worker first): a gateway error, never a dropped connection;
 * - `sleep` longer than the read timeout: the headers and `Zzz` came at once, so the proxy has
 *   already answered 200 when the read times out; it can only cut the response (a `reset` for the
 *   client). The same for `trickle` whose interval exceeds the read timeout;
 * - everything else (`plain`, `io`, `leak`, `huge`, `trickle`, `throw`'s 500) passes through as is.
 */
export function expectationBehindProxy(proxy: ProxyTraits, b: ProxiedBehaviour): BehaviourExpectation {
  switch (b.name) {
    case 'crash':
    case 'segfault':
    case 'reset':
      return { kind: 'response', status: 502 };
    case 'wedge':
    case 'hang':
      return { kind: 'gateway-error' };
    case 'sleep':
      return paramOr(b, 'seconds') * 1000 > proxy.readTimeoutMs ? { kind: 'reset' } : b.expectation;
    case 'trickle':
      return paramOr(b, 'chunks') > 1 && paramOr(b, 'interval') * 1000 > proxy.readTimeoutMs ? { kind: 'reset' } : b.expectation;
    default:
      return b.expectation;
  }
}
