import { GauntletError } from '../core/errors.js';
import { FAILURE_KINDS } from '../core/failure-kinds.js';
import { decodeHistogram } from '../metrics/histogram.js';
import type { RunResult } from '../metrics/run-result.js';

const STOP_REASONS = ['completed', 'interrupted', 'aborted', 'failed', 'threshold', 'failures'];
const SUMMARY_FIELDS = ['count', 'min', 'mean', 'stddev', 'p50', 'p75', 'p90', 'p95', 'p99', 'p999', 'max'];

/** BROKEN_HINT is the advice for a result file whose shape is wrong. */
export const BROKEN_HINT = 'the file is damaged or was edited; give a result written by --json, or run the test again';

/** Problem is thrown inside the check with the JSON path of the first bad field. */
class Problem {
  constructor(
    readonly at: string,
    readonly what: string,
  ) {}
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const join = (at: string, key: string) => (/^[A-Za-z_$][\w$]*$/.test(key) ? `${at}.${key}` : `${at}[${JSON.stringify(key)}]`);

function object(v: unknown, at: string): Record<string, unknown> {
  if (!isObject(v)) throw new Problem(at, v === undefined ? 'is missing' : 'is not an object');
  return v;
}

function num(o: Record<string, unknown>, key: string, at: string, optional = false): void {
  const v = o[key];
  if (optional && v === undefined) return;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Problem(join(at, key), v === undefined ? 'is missing' : 'is not a number');
}

function str(o: Record<string, unknown>, key: string, at: string, optional = false): void {
  const v = o[key];
  if (optional && v === undefined) return;
  if (typeof v !== 'string') throw new Problem(join(at, key), v === undefined ? 'is missing' : 'is not a string');
}

function oneOf(o: Record<string, unknown>, key: string, at: string, values: readonly string[]): void {
  if (!values.includes(o[key] as string)) throw new Problem(join(at, key), `is not one of ${values.join(', ')}`);
}

function array(v: unknown, at: string): unknown[] {
  if (!Array.isArray(v)) throw new Problem(at, v === undefined ? 'is missing' : 'is not a list');
  return v;
}

function counters(v: unknown, at: string): void {
  const o = object(v, at);
  for (const k of Object.keys(o)) num(o, k, at);
}

function gauges(v: unknown, at: string): void {
  if (v === undefined) return;
  const o = object(v, at);
  for (const [k, g] of Object.entries(o)) {
    const gv = object(g, join(at, k));
    num(gv, 'value', join(at, k));
    num(gv, 'max', join(at, k));
  }
}

function summaries(v: unknown, at: string): Record<string, unknown> {
  const o = object(v, at);
  for (const [k, s] of Object.entries(o)) {
    const t = object(s, join(at, k));
    for (const f of SUMMARY_FIELDS) num(t, f, join(at, k));
  }
  return o;
}

function trends(v: unknown, at: string): Record<string, unknown> {
  const o = object(v, at);
  for (const [k, e] of Object.entries(o)) {
    const where = join(at, k);
    const t = isObject(e) ? e : undefined;
    let ok = t !== undefined && typeof t['scale'] === 'number' && Number.isFinite(t['scale']) && t['scale'] > 0 && typeof t['data'] === 'string';
    if (ok) {
      try {
        decodeHistogram({ scale: t!['scale'] as number, data: t!['data'] as string }).destroy();
      } catch {
        ok = false;
      }
    }
    if (!ok) throw new Problem(where, 'is not an encoded histogram');
  }
  return o;
}

function step(v: unknown, at: string): Record<string, unknown> {
  const o = object(v, at);
  str(o, 'label', at);
  num(o, 'startMs', at);
  num(o, 'endMs', at);
  num(o, 'users', at, true);
  if (o['rate'] !== undefined) {
    const rate = object(o['rate'], `${at}.rate`);
    num(rate, 'from', `${at}.rate`);
    num(rate, 'to', `${at}.rate`);
  }
  return o;
}

/** check walks a result's shape (version 2 fields) and throws a Problem at the first bad field. */
function check(r: Record<string, unknown>): void {
  str(r, 'label', '');
  str(r, 'startedAt', '');
  num(r, 'durationMs', '');
  oneOf(r, 'stopReason', '', STOP_REASONS);
  str(r, 'error', '', true);
  oneOf(r, 'model', '', ['closed', 'open']);
  num(r, 'workers', '');
  num(r, 'intervalMs', '');
  num(r, 'plannedDurationMs', '', true);
  num(r, 'plannedIterations', '', true);
  if (r['rate'] !== undefined) {
    const rate = object(r['rate'], 'rate');
    num(rate, 'intended', 'rate');
    num(rate, 'achieved', 'rate');
  }
  const metrics = object(r['metrics'], 'metrics');
  counters(metrics['counters'], 'metrics.counters');
  const encoded = trends(metrics['trends'], 'metrics.trends');
  gauges(metrics['gauges'], 'metrics.gauges');
  const summary = summaries(r['summary'], 'summary');
  for (const k of Object.keys(summary)) if (!(k in encoded)) throw new Problem(join('summary', k), 'has no histogram in metrics.trends');
  array(r['intervals'], 'intervals').forEach((row, i) => {
    const at = `intervals[${i}]`;
    const o = object(row, at);
    num(o, 'index', at);
    num(o, 'startMs', at);
    num(o, 'durationMs', at);
    counters(o['counters'], `${at}.counters`);
    summaries(o['trends'], `${at}.trends`);
    gauges(o['gauges'], `${at}.gauges`);
  });
  array(r['errors'], 'errors').forEach((e, i) => {
    const at = `errors[${i}]`;
    const o = object(e, at);
    str(o, 'message', at);
    num(o, 'count', at);
    str(o, 'stack', at);
  });
  if (r['failures'] !== undefined) {
    array(r['failures'], 'failures').forEach((f, i) => {
      const at = `failures[${i}]`;
      const o = object(f, at);
      oneOf(o, 'kind', at, FAILURE_KINDS);
      str(o, 'message', at);
      num(o, 'count', at);
      str(o, 'hint', at, true);
    });
  }
  if (r['thresholds'] !== undefined) {
    array(r['thresholds'], 'thresholds').forEach((t, i) => {
      const at = `thresholds[${i}]`;
      const o = object(t, at);
      str(o, 'metric', at);
      str(o, 'expression', at);
      num(o, 'actual', at);
      if (typeof o['ok'] !== 'boolean') throw new Problem(`${at}.ok`, 'is not true or false');
    });
  }
  str(r, 'abortedBy', '', true);
  if (r['shape'] !== undefined) {
    const shape = object(r['shape'], 'shape');
    array(shape['parts'], 'shape.parts').forEach((p, i) => {
      const o = object(p, `shape.parts[${i}]`);
      str(o, 'name', `shape.parts[${i}]`);
      oneOf(o, 'kind', `shape.parts[${i}]`, ['closed', 'open']);
      if (o['kind'] === 'open') num(o, 'connections', `shape.parts[${i}]`);
      else
        array(o['users'], `shape.parts[${i}].users`).forEach((u, j) => {
          if (typeof u !== 'number' || !Number.isFinite(u)) throw new Problem(`shape.parts[${i}].users[${j}]`, 'is not a number');
        });
    });
    array(shape['steps'], 'shape.steps').forEach((s, i) => step(s, `shape.steps[${i}]`));
  }
  if (r['steps'] !== undefined)
    array(r['steps'], 'steps').forEach((s, i) => {
      const o = step(s, `steps[${i}]`);
      for (const f of ['requests', 'failed', 'perSecond']) num(o, f, `steps[${i}]`);
      for (const f of ['p50Ms', 'p99Ms', 'vusMax']) num(o, f, `steps[${i}]`, true);
    });
  if (r['sections'] !== undefined) {
    const sections = object(r['sections'], 'sections');
    // Sections are each front door's own data (agents is a list); the script's is read here.
    const script = sections['script'] === undefined ? undefined : object(sections['script'], 'sections.script');
    if (script?.['shutdownFailures'] !== undefined) array(script['shutdownFailures'], 'sections.script.shutdownFailures').forEach((f, i) => {
      if (typeof f !== 'string') throw new Problem(`sections.script.shutdownFailures[${i}]`, 'is not a string');
    });
  }
}

/**
 * checkRunResult makes sure a result read from a file has the shape every renderer relies on
 * (types, required fields, decodable histograms), so a damaged file is one clear error naming the
 * first bad field by its JSON path (`run.json: metrics.trends.http_req_duration is not an encoded
 * histogram`) instead of a TypeError deep in a renderer.
 */
export function checkRunResult(r: unknown, path: string): RunResult {
  try {
    check(object(r, ''));
  } catch (e) {
    if (!(e instanceof Problem)) throw e;
    const at = e.at.replace(/^\./, '') || 'the result';
    throw new GauntletError('GAUNTLET_USAGE', `${path}: ${at} ${e.what}`, { hint: BROKEN_HINT });
  }
  return r as RunResult;
}
