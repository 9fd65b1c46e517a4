import { usageError } from '../core/errors.js';
import { BEHAVIOUR_NAMES, BEHAVIOUR_PROTOCOL, PLAIN_BODY, SLEEP_BODY_HEAD, SLEEP_BODY_TAIL, type BehaviourName } from './protocol.js';

/**
 * BehaviourExpectation is what OK means for a behaviour's request (judged by `judge`):
 * - `response`: a whole response with this status (and body length, when known);
 * - `server-error`: the server fails the request — a 5xx, or the connection closed or reset —
 *   before the client's timeout (wedge, hang, crash, segfault);
 * - `reset`: the connection is reset with no response (or, behind a proxy, cut mid-response);
 * - `gateway-error`: a proxy answers for a failed upstream with 502, 503 or 504 (see
 *   `expectationBehindProxy`: behind a proxy the client never sees the upstream's connection drop).
 */
export type BehaviourExpectation =
  | { readonly kind: 'response'; readonly status: number; readonly bodyBytes?: number }
  | { readonly kind: 'server-error' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'gateway-error' };

/** Behaviour is one client-side behaviour: its request, what it should get back, and its client timeout. */
export interface Behaviour {
  readonly name: BehaviourName;
  /** params are the parameters given (defaults left out, so the label stays short). */
  readonly params: Readonly<Record<string, number | string>>;
  /** path is the request target, `/sleep?seconds=0.5`. */
  readonly path: string;
  readonly expectation: BehaviourExpectation;
  /** timeoutMs is the client timeout for this request (default 30 s, as Labour). */
  readonly timeoutMs: number;
  /** label is how mixes and reports write it: `sleep(seconds=0.5)`, `plain`. */
  readonly label: string;
}

/** DEFAULT_CLIENT_TIMEOUT_MS is a behaviour's client timeout unless it says otherwise (Labour's 30 s). */
export const DEFAULT_CLIENT_TIMEOUT_MS = 30_000;

/** BehaviourOptions are a behaviour's protocol parameters plus `timeout`, its client timeout in seconds. */
export type BehaviourOptions = Readonly<Record<string, number | string | undefined>> & { readonly timeout?: number };

function expectationOf(name: BehaviourName, p: Readonly<Record<string, number | string>>): BehaviourExpectation {
  switch (name) {
    case 'plain': {
      const status = (p['status'] as number | undefined) ?? 200;
      const bodyBytes = status === 204 || status === 304 ? 0 : ((p['length'] as number | undefined) ?? PLAIN_BODY.length);
      return { kind: 'response', status, bodyBytes };
    }
    case 'sleep':
      return { kind: 'response', status: 200, bodyBytes: SLEEP_BODY_HEAD.length + SLEEP_BODY_TAIL.length };
    case 'io':
      // Only /dev/zero is known to hold `length` bytes; another file may be shorter.
      return p['file'] === undefined || p['file'] === '/dev/zero'
        ? { kind: 'response', status: 200, bodyBytes: (p['length'] as number | undefined) ?? (BEHAVIOUR_PROTOCOL.io['length']!.default as number) }
        : { kind: 'response', status: 200 };
    case 'leak':
      return { kind: 'response', status: 200 };
    case 'huge':
    case 'trickle':
      return { kind: 'response', status: 200, bodyBytes: (p['bytes'] as number | undefined) ?? (BEHAVIOUR_PROTOCOL[name]['bytes']!.default as number) };
    case 'throw':
      return { kind: 'response', status: 500 };
    case 'reset':
      return { kind: 'reset' };
    case 'wedge':
    case 'hang':
    case 'crash':
    case 'segfault':
      return { kind: 'server-error' };
  }
}

/**
 * makeBehaviour builds a behaviour by name, checking its parameters against the protocol (an unknown
 * parameter or a bad value is a usage error, exit 2). `timeout` (seconds) sets the client timeout.
 */
export function makeBehaviour(name: string, options: BehaviourOptions = {}): Behaviour {
  if (!Object.hasOwn(BEHAVIOUR_PROTOCOL, name)) {
    throw usageError(`unknown behaviour '${name}'`, `behaviours: ${BEHAVIOUR_NAMES.join(', ')}`);
  }
  const behaviour = name as BehaviourName;
  const specs = BEHAVIOUR_PROTOCOL[behaviour];
  const params: Record<string, number | string> = {};
  let timeoutMs = DEFAULT_CLIENT_TIMEOUT_MS;
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (key === 'timeout') {
      const seconds = Number(value);
      if (!Number.isFinite(seconds) || seconds <= 0) throw usageError(`${name}: timeout must be a positive number of seconds, got '${value}'`);
      timeoutMs = seconds * 1000;
      continue;
    }
    const spec = specs[key];
    if (spec === undefined) {
      const known = [...Object.keys(specs), 'timeout'].join(', ');
      throw usageError(`unknown parameter '${key}' for behaviour ${name}`, `${name} takes: ${known}`);
    }
    if (spec.type === 'string') {
      params[key] = String(value);
      continue;
    }
    const n = typeof value === 'number' ? value : value.trim() === '' ? NaN : Number(value);
    const whole = spec.type === 'integer';
    const inRange = (spec.min === undefined || n >= spec.min) && (spec.max === undefined || n <= spec.max);
    if (!(whole ? Number.isSafeInteger(n) : Number.isFinite(n)) || !inRange) {
      const bounds = `${spec.min ?? '-∞'}..${spec.max ?? '∞'}`;
      throw usageError(`${name}: ${key} must be ${whole ? 'a whole number' : 'a number'} in ${bounds}, got '${value}'`);
    }
    params[key] = n;
  }
  const query = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString();
  const label = Object.keys(params).length === 0 ? name : `${name}(${Object.entries(params).map(([k, v]) => `${k}=${v}`).join(',')})`;
  return {
    name: behaviour,
    params,
    path: `/${name}${query ? `?${query}` : ''}`,
    expectation: expectationOf(behaviour, params),
    timeoutMs,
    label: timeoutMs === DEFAULT_CLIENT_TIMEOUT_MS ? label : label.replace(/\)?$/, (end) => `${end ? ',' : '('}timeout=${timeoutMs / 1000})`),
  };
}

type Factory<P> = (options?: P & { timeout?: number }) => Behaviour;

/** behaviours holds one factory per behaviour, Labour-style: `behaviours.sleep({ seconds: 0.5 })`. */
export const behaviours: {
  plain: Factory<{ length?: number; status?: number }>;
  sleep: Factory<{ seconds?: number }>;
  io: Factory<{ length?: number; file?: string }>;
  leak: Factory<{ bytes?: number }>;
  wedge: Factory<{ seconds?: number }>;
  hang: Factory<object>;
  crash: Factory<{ code?: number }>;
  segfault: Factory<object>;
  throw: Factory<object>;
  huge: Factory<{ bytes?: number }>;
  trickle: Factory<{ bytes?: number; chunks?: number; interval?: number }>;
  reset: Factory<object>;
} = Object.fromEntries(BEHAVIOUR_NAMES.map((name) => [name, (options: BehaviourOptions = {}) => makeBehaviour(name, options)])) as never;

/**
 * parseBehaviour reads one behaviour as written in a mix: `plain`, `sleep(seconds=0.5)`,
 * `plain(status=500,length=10)`, `hang(timeout=2)`.
 */
export function parseBehaviour(text: string): Behaviour {
  const m = /^\s*([a-z]+)\s*(?:\(([^()]*)\))?\s*$/.exec(text);
  if (!m) throw usageError(`cannot read behaviour '${text}'`, 'write it as name or name(key=value,...), e.g. sleep(seconds=0.5)');
  const options: Record<string, string> = {};
  for (const part of (m[2] ?? '').split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) throw usageError(`behaviour parameter '${part.trim()}' in '${text}' is not key=value`);
    options[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  const timeout = options['timeout'];
  delete options['timeout'];
  return makeBehaviour(m[1]!, timeout === undefined ? options : { ...options, timeout: Number(timeout) });
}
