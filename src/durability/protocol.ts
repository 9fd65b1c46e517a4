/**
 * The behaviour protocol, as data: `GET /<behaviour>?<params>` names what the behaviour app must do.
 * docs/behaviours.md is the prose version; the Python app (apps/wsgi_app.py) implements the same
 * table by hand, and the shared conformance suite keeps the two in step.
 */

/** ParamType is how a parameter's text is read: a whole number, a real number or plain text. */
export type ParamType = 'integer' | 'number' | 'string';

/** ParamSpec describes one query parameter of a behaviour: its type, default and smallest value. */
export interface ParamSpec {
  readonly type: ParamType;
  /** default applies when the parameter is absent; `undefined` means "absent has its own meaning". */
  readonly default: number | string | undefined;
  readonly min?: number;
  readonly max?: number;
}

/** BehaviourName is one of the behaviours the apps implement. */
export type BehaviourName =
  | 'plain'
  | 'sleep'
  | 'io'
  | 'leak'
  | 'wedge'
  | 'hang'
  | 'crash'
  | 'segfault'
  | 'throw'
  | 'huge'
  | 'trickle'
  | 'reset';

/** PLAIN_BODY is the body of `plain` without `length` (Labour answered "Pong!" too). */
export const PLAIN_BODY = 'Pong!\n';

/** SLEEP_BODY_HEAD and SLEEP_BODY_TAIL are the two chunks `sleep` sends around its pause. */
export const SLEEP_BODY_HEAD = 'Zzz\n';
export const SLEEP_BODY_TAIL = PLAIN_BODY;

/** IO_MAX_LENGTH caps `io` (it reads the whole file part into memory before answering). */
export const IO_MAX_LENGTH = 256 * 1024 * 1024;

const MIB = 1024 * 1024;

/**
 * BEHAVIOUR_PROTOCOL lists every behaviour and its parameters with their defaults and bounds. It is
 * the single source for the Node app's parsing and for the client-side request builders.
 */
export const BEHAVIOUR_PROTOCOL: Readonly<Record<BehaviourName, Readonly<Record<string, ParamSpec>>>> = {
  plain: {
    length: { type: 'integer', default: undefined, min: 0, max: IO_MAX_LENGTH },
    status: { type: 'integer', default: 200, min: 200, max: 599 },
  },
  sleep: { seconds: { type: 'number', default: 1, min: 0 } },
  io: {
    length: { type: 'integer', default: MIB, min: 0, max: IO_MAX_LENGTH },
    file: { type: 'string', default: '/dev/zero' },
  },
  leak: { bytes: { type: 'integer', default: 1024, min: 0, max: 1024 * MIB } },
  wedge: { seconds: { type: 'number', default: undefined, min: 0 } },
  hang: {},
  crash: { code: { type: 'integer', default: 1, min: 0, max: 255 } },
  segfault: {},
  throw: {},
  huge: { bytes: { type: 'integer', default: 10 * MIB, min: 0 } },
  trickle: {
    bytes: { type: 'integer', default: 1024, min: 0 },
    chunks: { type: 'integer', default: 10, min: 1, max: 100_000 },
    interval: { type: 'number', default: 0.1, min: 0 },
  },
  reset: {},
};

/** BEHAVIOUR_NAMES lists the behaviours in the order of the protocol table. */
export const BEHAVIOUR_NAMES = Object.keys(BEHAVIOUR_PROTOCOL) as BehaviourName[];

/**
 * INDEX_BODY is the answer to `GET /` (200, text/plain): what the app is and the behaviours it
 * knows. The WSGI app builds the very same text (the conformance suite checks both).
 */
export const INDEX_BODY =
  'Gauntlet behaviour app: each path asks the server to behave one way, for durability tests (see docs/behaviours.md).\n' +
  `Behaviours: ${BEHAVIOUR_NAMES.join(', ')}.\n` +
  'Try GET /plain (answers Pong!) or GET /sleep?seconds=0.5.\n';

/** BehaviourParams holds a request's parameters after defaults: numbers and strings by name. */
export type BehaviourParams = Record<string, number | string | undefined>;

/** ParsedBehaviourRequest is the app's reading of a request target, a tagged union on `kind`. */
export type ParsedBehaviourRequest =
  | { kind: 'ok'; name: BehaviourName; params: BehaviourParams }
  | { kind: 'index' }
  | { kind: 'not-found'; name: string }
  | { kind: 'bad-request'; message: string };

/**
 * parseBehaviourRequest reads a request target (`/sleep?seconds=0.5`) by the protocol: the first path
 * segment names the behaviour (empty, `GET /`, is the `index`: what the app is and its behaviours),
 * the query holds its parameters. Unknown names
 * are `not-found` (404); unknown parameters and malformed or out-of-range values are `bad-request` (400).
 */
export function parseBehaviourRequest(target: string): ParsedBehaviourRequest {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q + 1);
  let name: string;
  try {
    name = decodeURIComponent(path.replace(/^\/+/, '').replace(/\/+$/, ''));
  } catch {
    return { kind: 'bad-request', message: `malformed path '${path}'` };
  }
  if (name === '') return { kind: 'index' };
  if (!Object.hasOwn(BEHAVIOUR_PROTOCOL, name)) return { kind: 'not-found', name };
  const specs = BEHAVIOUR_PROTOCOL[name as BehaviourName];
  const params: BehaviourParams = {};
  for (const [key, spec] of Object.entries(specs)) params[key] = spec.default;
  for (const [key, text] of new URLSearchParams(query)) {
    const spec = specs[key];
    if (spec === undefined) return { kind: 'bad-request', message: `unknown parameter '${key}' for ${name}` };
    const value = readParam(spec, text);
    if (value === undefined) return { kind: 'bad-request', message: `bad value '${text}' for ${name} parameter '${key}'` };
    params[key] = value;
  }
  return { kind: 'ok', name: name as BehaviourName, params };
}

function readParam(spec: ParamSpec, text: string): number | string | undefined {
  if (spec.type === 'string') return text;
  const pattern = spec.type === 'integer' ? /^-?\d+$/ : /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
  if (!pattern.test(text.trim())) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || (spec.type === 'integer' && !Number.isSafeInteger(value))) return undefined;
  if (spec.min !== undefined && value < spec.min) return undefined;
  if (spec.max !== undefined && value > spec.max) return undefined;
  return value;
}
