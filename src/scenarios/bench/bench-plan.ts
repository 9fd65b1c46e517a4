import { readFileSync } from 'node:fs';
import { parseDuration } from '../../core/duration.js';
import { parsePositiveInt } from '../../core/units.js';
import { usageError } from '../../core/errors.js';
import { capWorkers, resolveExecutor, resolveRunSettings, type LoadOptions } from '../../load/load-options.js';
import { singlePart, type Plan } from '../../load/plan.js';
import type { BenchScenarioSpec } from './bench-scenario.js';
import { StatusSet } from './status-set.js';

/** BenchOptions describe `gauntlet bench`: one request, sent by many users. */
export interface BenchOptions extends LoadOptions {
  url: string;
  method?: string;
  /** headers as an object or `Name: value` lines. */
  headers?: Record<string, string> | readonly string[];
  body?: string;
  bodyFile?: string;
  timeout?: string | number;
  /** expectStatus: the statuses that count as OK (default `2xx,3xx`). */
  expectStatus?: string;
  http2?: boolean;
  insecure?: boolean;
  /**
   * sharedConnections: the closed model's users (`connections`) share this many connections, each
   * borrowing one per request; for more users than the machine has sockets (`-u 100000 -c 10000`).
   */
  sharedConnections?: string | number;
  /** pipelining: requests in flight per connection (closed model, plain http only). */
  pipelining?: string | number;
  /** rawRows: send one row per request to the main thread (for `--csv`). */
  rawRows?: boolean;
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(`'${text}' is not a URL`, 'give a full URL such as http://127.0.0.1:8080/');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`'${text}' is not an http or https URL`, 'give a URL such as http://127.0.0.1:8080/');
  return url;
}

function parseHeaders(h: BenchOptions['headers']): Record<string, string> {
  if (h === undefined) return {};
  if (!Array.isArray(h)) return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), String(v)]));
  const out: Record<string, string> = {};
  for (const line of h as readonly string[]) {
    const i = line.indexOf(':');
    if (i <= 0) throw usageError(`header '${line}' is not 'Name: value'`, `write it like -H 'accept: application/json'`);
    out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

/** resolveBenchPlan validates bench options and builds the Plan (usage errors name the flag). */
export function resolveBenchPlan(o: BenchOptions): Plan {
  const url = parseUrl(o.url);
  let body: Buffer | undefined;
  if (o.body !== undefined && o.bodyFile !== undefined) throw usageError('--body and --body-file both given', 'keep one of them');
  if (o.body !== undefined) body = Buffer.from(o.body);
  if (o.bodyFile !== undefined) {
    try {
      body = readFileSync(o.bodyFile);
    } catch (err) {
      throw usageError(`--body-file: cannot read '${o.bodyFile}' (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 'give the path of a readable file');
    }
  }
  const expectStatus = o.expectStatus ?? '2xx,3xx';
  new StatusSet(expectStatus); // validates now, in the main thread
  const timeoutMs = o.timeout !== undefined ? parseDuration(o.timeout, '--timeout') : 10_000;
  if (timeoutMs <= 0) throw usageError('--timeout must be longer than 0', 'for example --timeout 10s');
  const method = (o.method ?? (body ? 'POST' : 'GET')).toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw usageError(`--method '${o.method}' is not an HTTP method`, 'for example -m POST');
  const scenario: { -readonly [K in keyof BenchScenarioSpec]: BenchScenarioSpec[K] } = {
    kind: 'bench',
    url: url.href,
    method,
    headers: parseHeaders(o.headers),
    ...(body ? { bodyBase64: body.toString('base64') } : {}),
    timeoutMs,
    expectStatus,
    http2: o.http2 ?? false,
    insecure: o.insecure ?? false,
  };
  let executor = resolveExecutor(o);
  const settings = resolveRunSettings(o);
  // Workers get whole connections: never more workers than connections.
  let workers = capWorkers(settings.workers, executor);
  const pipelining = o.pipelining === undefined ? 1 : parsePositiveInt(o.pipelining, '--pipelining', 1, 1024);
  if (pipelining > 1) {
    if (executor.kind !== 'closed') throw usageError('--pipelining is for the closed model', 'drop --rate/--stages, or drop -p: an open model sends each arrival on its own');
    if (url.protocol !== 'http:' || scenario.http2) throw usageError('--pipelining speaks plain HTTP/1.1 (http:) only', 'drop -p for https or HTTP/2 targets');
    // Each connection carries `pipelining` users, each one request slot of it. Workers split the
    // users, so their number divides the connections: each worker's share is whole connections.
    while (workers > 1 && executor.steps.some((step) => step.users % workers !== 0)) workers--;
    executor = { ...executor, steps: executor.steps.map((step) => ({ ...step, users: step.users * pipelining })) };
    scenario.pipelining = pipelining;
  }
  if (o.sharedConnections !== undefined) {
    const shared = parsePositiveInt(o.sharedConnections, '--connections', 1);
    if (executor.kind !== 'closed') throw usageError('-u with -c (users sharing connections) is for the closed model', 'with --rate, -c alone bounds the connections');
    if (pipelining > 1) throw usageError('--pipelining cannot go with users sharing connections (-u with -c)', 'drop -p, or give -c alone');
    scenario.sharedConnections = shared;
    workers = Math.min(workers, shared);
  }
  const label = `${method} ${url.href}${pipelining > 1 ? ` (pipelining ${pipelining})` : ''}`;
  return { version: 1, parts: singlePart('bench', scenario, executor), ...settings, workers, rawRows: o.rawRows ?? false, label };
}

