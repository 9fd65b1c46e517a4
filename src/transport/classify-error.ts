import { LOCAL_LIMIT_CODES, type OutcomeKind } from '../core/failure-kinds.js';

const REFUSED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN']);
/** LOCAL: the generator's own limits (descriptors, local ports, socket buffers), not the target's. */
const LOCAL: ReadonlySet<string> = new Set(LOCAL_LIMIT_CODES);
const RESET = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'ERR_HTTP2_SESSION_ERROR', 'ERR_HTTP2_GOAWAY_SESSION', 'ERR_HTTP2_STREAM_CANCEL']);
const TIMEOUT = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ERR_HTTP2_PING_TIMEOUT', 'ERR_HTTP2_SETTINGS_TIMEOUT']);
const DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA', 'EAI_ADDRFAMILY', 'ENODATA', 'ESERVFAIL']);
const TLS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'HOSTNAME_MISMATCH',
  'EPROTO',
]);
const PROTOCOL = new Set([
  'UND_ERR_INVALID_ARG',
  'UND_ERR_INVALID_RETURN_VALUE',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_HEADERS_OVERFLOW',
  'UND_ERR_RES_EXCEEDED_MAX_SIZE',
  'UND_ERR_NOT_SUPPORTED',
  'UND_ERR_INFO',
  'UND_ERR_PRX_TLS',
  'ERR_INVALID_HTTP_RESPONSE',
  'ERR_HTTP2_PROTOCOL_ERROR',
  'ERR_HTTP2_INVALID_HEADER_VALUE',
  'ERR_HTTP2_ERROR',
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_INVALID_SESSION',
]);
const ABORTED = new Set(['ABORT_ERR', 'UND_ERR_ABORTED', 'UND_ERR_DESTROYED', 'UND_ERR_CLOSED', 'ERR_STREAM_DESTROYED', 'ERR_SOCKET_CLOSED']);

interface ErrorLike {
  code?: unknown;
  name?: unknown;
  message?: unknown;
  cause?: unknown;
  errno?: unknown;
  syscall?: unknown;
}

/** byCode classifies a known error code; undefined when the code says nothing. */
function byCode(code: string): OutcomeKind | undefined {
  if (LOCAL.has(code)) return 'local';
  if (REFUSED.has(code)) return 'refused';
  if (RESET.has(code)) return 'reset';
  if (TIMEOUT.has(code) || (code.startsWith('UND_ERR_') && code.endsWith('_TIMEOUT'))) return 'timeout';
  if (DNS.has(code)) return 'dns';
  if (TLS.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || code.startsWith('CERT_') || code.startsWith('UNABLE_TO_')) return 'tls';
  if (PROTOCOL.has(code) || code.startsWith('HPE_')) return 'protocol';
  if (ABORTED.has(code)) return 'aborted';
  return undefined;
}

/** byText classifies by error name and message, for errors without a telling code. */
function byText(name: string, message: string): OutcomeKind | undefined {
  if (name === 'AbortError') return 'aborted';
  if (name === 'TimeoutError' || /\btime(d)?[ -]?out\b/i.test(message)) return 'timeout';
  if (/socket hang up|other side closed|closed before|ECONNRESET/i.test(message)) return 'reset';
  if (/\b(SSL|TLS)\b|certificate/i.test(message)) return 'tls';
  if (/parse error|invalid (status|header|response|chunk)|malformed/i.test(message)) return 'protocol';
  if (/getaddrinfo/i.test(message)) return 'dns';
  return undefined;
}

/**
 * classifyError maps an error from node:net, node:tls, node:http2 or undici to the transport's failure
 * kinds: refused, reset, timeout, dns, tls, protocol, aborted, or `local` when the generator hit its
 * own limit (EMFILE, ENFILE, EADDRNOTAVAIL, ENOBUFS: not the target's fault). It reads the error's `code`, then its
 * name and message, then does the same for its `cause` (fetch and undici wrap the socket error). An
 * error it cannot place is `reset` when it is a system error (it has an errno or a syscall) and
 * `protocol` otherwise, so every transport failure lands in one of those kinds.
 */
export function classifyError(err: unknown): OutcomeKind {
  let system = false;
  let e: unknown = err;
  for (let depth = 0; depth < 6 && e !== null && e !== undefined; depth++) {
    if (typeof e !== 'object') return byText('', String(e)) ?? 'protocol';
    const x = e as ErrorLike;
    if (typeof x.code === 'string') {
      const k = byCode(x.code);
      if (k !== undefined) return k;
    }
    const k = byText(typeof x.name === 'string' ? x.name : '', typeof x.message === 'string' ? x.message : '');
    if (k !== undefined) return k;
    if (x.errno !== undefined || x.syscall !== undefined) system = true;
    if (x.cause === e) break;
    e = x.cause;
  }
  return system ? 'reset' : 'protocol';
}

/** errorText is the short error string a ResponseInfo carries: the error's code, else its message. */
export function errorText(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const x = err as ErrorLike;
    if (typeof x.code === 'string' && x.code !== '') return x.code;
    if (typeof x.message === 'string' && x.message !== '') return x.message;
  }
  return String(err);
}

/** OPENSSL matches OpenSSL's error text (`805C…0000:error:0A00010B:SSL routines:fn:reason:file:line:`): the reason is group 1. */
const OPENSSL = /[0-9A-F]{8,}:error:[0-9A-F]+:[^:]*:[^:]*:([^:]+)(?::[^\s]*)?/;

/** DETAIL_CHARS bounds a detail's length. */
const DETAIL_CHARS = 200;

/** normalize makes a message the same for every connection and thread: OpenSSL's pointer prefix and source file go, whitespace folds. */
function normalize(message: string): string {
  const m = OPENSSL.exec(message);
  const text = (m !== null ? message.replace(m[0], m[1]!) : message).replace(/\s+/g, ' ').trim();
  return text.length > DETAIL_CHARS ? `${text.slice(0, DETAIL_CHARS - 3)}...` : text;
}

/**
 * errorDetail is the message a failure summary shows for an error: the message of the first error in
 * the cause chain that has a code (fetch and undici wrap the socket's error), with the code in front
 * when the message does not already name it (`connect ECONNREFUSED 127.0.0.1:9`,
 * `ERR_SSL_WRONG_VERSION_NUMBER: wrong version number`, `ERR_HTTP2_ERROR: Protocol error`), else the
 * error's own message. It is normalized so the same cause reads the same in every worker.
 */
export function errorDetail(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; depth < 6 && typeof e === 'object' && e !== null; depth++) {
    const x = e as ErrorLike;
    if (typeof x.code === 'string' && x.code !== '') {
      const message = typeof x.message === 'string' ? normalize(x.message) : '';
      return message === '' ? x.code : message.includes(x.code) ? message : `${x.code}: ${message}`;
    }
    if (x.cause === e) break;
    e = x.cause;
  }
  if (typeof err === 'object' && err !== null && typeof (err as ErrorLike).message === 'string') return normalize((err as ErrorLike).message as string) || String(err);
  return normalize(String(err));
}
