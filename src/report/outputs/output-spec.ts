import { usageError } from '../../core/errors.js';
import { parseDuration } from '../../core/duration.js';

/** MetricNames chooses the exported names: `gauntlet_http_reqs_total` or k6's `k6_http_reqs_total`. */
export type MetricNames = 'gauntlet' | 'k6';

/**
 * OutputSpec is one `--out` value, parsed: `json=FILE` (k6's NDJSON points), `prometheus=URL`
 * (remote write) or `otlp=URL` (OTLP/HTTP protobuf). Options ride on the URL's query and are taken
 * off it: `names=k6`, `trends=histogram|summary` (Prometheus), `every=5s` (push period).
 */
export type OutputSpec =
  | { readonly kind: 'json'; readonly path: string }
  | { readonly kind: 'prometheus'; readonly url: string; readonly names: MetricNames; readonly trends: 'histogram' | 'summary'; readonly everyMs: number }
  | { readonly kind: 'otlp'; readonly url: string; readonly names: MetricNames; readonly everyMs: number };

/** DEFAULT_PUSH_MS is how often Prometheus and OTLP outputs push (k6 pushes every 5 s too). */
export const DEFAULT_PUSH_MS = 5000;

const HINT = "write it like --out json=points.ndjson, --out prometheus=http://127.0.0.1:9090/api/v1/write or --out otlp=http://127.0.0.1:4318/v1/metrics (options: ?names=k6, ?trends=summary, ?every=5s)";

/** parseOutputSpec reads one `--out KIND=TARGET`; anything else is a usage error (exit 2) with a hint. */
export function parseOutputSpec(text: string): OutputSpec {
  const i = text.indexOf('=');
  const kind = i < 0 ? text : text.slice(0, i);
  const target = i < 0 ? '' : text.slice(i + 1);
  if (kind !== 'json' && kind !== 'prometheus' && kind !== 'otlp') throw usageError(`--out '${text}': unknown output '${kind}'`, HINT);
  if (target === '') throw usageError(`--out '${text}': ${kind} needs a ${kind === 'json' ? 'file' : 'URL'} after '='`, HINT);
  if (kind === 'json') return { kind, path: target };
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw usageError(`--out '${text}': '${target}' is not a URL`, HINT);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`--out '${text}': the URL must be http:// or https://`, HINT);
  const names = takeParam(url, 'names', ['gauntlet', 'k6'], 'gauntlet', text);
  const every = url.searchParams.get('every');
  url.searchParams.delete('every');
  const everyMs = every === null ? DEFAULT_PUSH_MS : parseDuration(every, '--out every');
  if (everyMs < 100) throw usageError(`--out '${text}': every=${every} is too often`, 'push at most every 100ms (the default is 5s)');
  if (kind === 'prometheus') {
    const trends = takeParam(url, 'trends', ['histogram', 'summary'], 'histogram', text);
    return { kind, url: url.toString(), names, trends, everyMs };
  }
  for (const k of url.searchParams.keys()) if (k === 'trends') throw usageError(`--out '${text}': trends= applies to prometheus only`, HINT);
  return { kind, url: url.toString(), names, everyMs };
}

function takeParam<T extends string>(url: URL, name: string, allowed: readonly T[], fallback: T, text: string): T {
  const v = url.searchParams.get(name);
  url.searchParams.delete(name);
  if (v === null) return fallback;
  if (!(allowed as readonly string[]).includes(v)) throw usageError(`--out '${text}': ${name}=${v} is not one of ${allowed.join(', ')}`, HINT);
  return v as T;
}

/**
 * endpointOf splits a receiver URL into the URL to send to and its headers: credentials written in
 * the URL (`https://user:token@host/…`) become an `Authorization: Basic` header, so they are never
 * part of a URL that an error message could print.
 */
export function endpointOf(url: string): { url: string; headers: Record<string, string> } {
  const u = new URL(url);
  if (u.username === '' && u.password === '') return { url, headers: {} };
  const auth = Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64');
  u.username = '';
  u.password = '';
  return { url: u.toString(), headers: { authorization: `Basic ${auth}` } };
}

/** describeOutput names an output for messages without its URL's credentials or query. */
export function describeOutput(spec: OutputSpec): string {
  if (spec.kind === 'json') return `--out json=${spec.path}`;
  const u = new URL(spec.url);
  return `--out ${spec.kind}=${u.protocol}//${u.host}${u.pathname}`;
}
