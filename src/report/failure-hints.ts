import { LOCAL_LIMIT_CODES, type FailureKind } from '../core/failure-kinds.js';
import type { FailureSummary } from '../metrics/run-result.js';

/** LOCAL_HINTS say how to raise each of the generator's own limits (`local` failures), by error code. */
export const LOCAL_HINTS: Record<string, string> = {
  EMFILE: 'raise the limit with `ulimit -n` (one descriptor per connection, plus a few), or use fewer connections (-c)',
  ENFILE: 'raise fs.file-max (sysctl), or use fewer connections (-c)',
  EADDRNOTAVAIL: 'widen net.ipv4.ip_local_port_range, spread connections over several source addresses or target addresses, or reuse connections longer',
  ENOBUFS: 'use fewer connections (-c) or smaller bodies, or raise the kernel socket memory (net.core.wmem_max)',
  other: 'use fewer connections (-c)',
};

/** LOCAL_LIMITS say what ran out for each error code of a `local` failure. */
export const LOCAL_LIMITS: Record<string, string> = {
  EMFILE: 'file descriptors of the process (EMFILE)',
  ENFILE: 'file descriptors of the system (ENFILE)',
  EADDRNOTAVAIL: 'local ports for the target address (EADDRNOTAVAIL)',
  ENOBUFS: 'socket buffer memory (ENOBUFS)',
  other: 'a local resource',
};

/** PLAIN_PORT: OpenSSL's words for a TLS handshake that got plain HTTP back. */
const PLAIN_PORT = /wrong version number|packet length too long|http request|unknown protocol|record layer failure/i;
const UNTRUSTED = /self[-_ ]signed|UNABLE_TO_(VERIFY|GET_ISSUER)|CERT_|certificate/i;
const HTTP2 = /ERR_HTTP2_|HTTP\/2|\bh2c?\b/i;

/**
 * failureHint says what a failure message most likely means and what to do, for the causes a user
 * can recognise and fix: TLS to a plain-HTTP port, an untrusted certificate, HTTP/2 to a server that
 * speaks only HTTP/1, a name that does not resolve, a refused connection (nothing listens), the
 * generator's own descriptor or port limits, and timeouts. Undefined when the message says nothing
 * telling (a reset, a status, a parse error of unknown cause).
 */
export function failureHint(kind: FailureKind, message: string): string | undefined {
  switch (kind) {
    case 'tls':
      if (PLAIN_PORT.test(message)) return 'the port answered in plain text, not TLS: is this port plain HTTP? use http://';
      if (UNTRUSTED.test(message)) return "the server's certificate is not trusted (self-signed?): for a test server, pass --insecure (-k)";
      return undefined;
    case 'protocol':
      if (HTTP2.test(message)) return 'the server does not speak HTTP/2 (h2c): drop --http2, or use https:// where HTTP/2 is negotiated';
      return undefined;
    case 'refused': {
      const at = /(\S+:\d+)\s*$/.exec(message)?.[1];
      return `nothing listens on ${at ?? "the target's port"}: is the server up, and are the host and port right?`;
    }
    case 'dns': {
      const host = /(?:ENOTFOUND|EAI_AGAIN|EAI_NONAME|EAI_FAIL)\s+(\S+)/.exec(message)?.[1];
      return `the host name ${host === undefined ? '' : `${host} `}did not resolve: check the URL's spelling and your DNS, or use an IP address`;
    }
    case 'local': {
      const code = LOCAL_LIMIT_CODES.find((c) => new RegExp(`\\b${c}\\b`).test(message)) ?? 'other';
      return LOCAL_HINTS[code];
    }
    case 'timeout':
      return 'no answer within the request timeout: the server is slow, overloaded or not answering; raise --timeout if it is only slow, or lower the load';
    default:
      return undefined;
  }
}

/** H2_TIMEOUT_HINT: timeouts beside HTTP/2 protocol failures are most likely the same cause (a session that never came up). */
const H2_TIMEOUT_HINT = 'most likely the same cause as the protocol failures: the server does not speak HTTP/2 (h2c); drop --http2';

/**
 * withFailureHints adds its hint to each failure whose cause is recognisable. Timeouts in a run
 * whose protocol failures say HTTP/2 get that hint instead of the generic one.
 */
export function withFailureHints(failures: readonly Omit<FailureSummary, 'hint'>[]): FailureSummary[] {
  const h2 = failures.some((f) => f.kind === 'protocol' && HTTP2.test(f.message));
  return failures.map((f) => {
    const hint = h2 && f.kind === 'timeout' ? H2_TIMEOUT_HINT : failureHint(f.kind, f.message);
    return hint === undefined ? { kind: f.kind, message: f.message, count: f.count } : { kind: f.kind, message: f.message, count: f.count, hint };
  });
}
