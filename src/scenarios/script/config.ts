import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import { GauntletError } from '../../core/errors.js';
import { MAX_USERS } from '../../core/units.js';
import type { RateStage } from '../../load/plan.js';
import { parseThreshold, type Threshold } from '../../metrics/thresholds.js';
import { ConfigReader, type Field } from './config-reader.js';
import { FEEDER_MODES, type FeederMode } from './data-feeder.js';
import type { TestEntry } from './script-spec.js';

/** ConfigTest is one `tests:` entry: a script file (absolute), maybe an export, and its own rate or weight. */
export interface ConfigTest extends TestEntry {
  readonly file: string;
  readonly exportName?: string;
  readonly name?: string;
  /** rate gives this test its own arrival rate per second (open model, one plan scenario per test). */
  readonly rate?: number;
  readonly weight?: number;
  readonly options?: Record<string, unknown>;
}

/**
 * ScriptConfig is a validated YAML config for `gauntlet run config.yaml`: every run flag can be set
 * here, flags override it. Durations are milliseconds; paths are absolute (resolved against the
 * config file's folder).
 */
export interface ScriptConfig {
  /** file is the config's absolute path. */
  readonly file: string;
  readonly target?: string;
  readonly durationMs?: number;
  readonly users?: number;
  /** iterations per user (Loads' hits). */
  readonly iterations?: number;
  /** cycles are user counts run one after another (`10:20:30`). */
  readonly cycles?: readonly number[];
  readonly rampUpMs?: number;
  readonly rate?: number;
  readonly stages?: readonly RateStage[];
  readonly workers?: number;
  readonly thinkTimeMs?: number;
  readonly timeoutMs?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly insecure?: boolean;
  readonly outputs?: { readonly json?: string; readonly csv?: string; readonly timeseries?: string };
  readonly data?: { readonly file: string; readonly mode: FeederMode; readonly seed?: number };
  readonly thresholds?: readonly Threshold[];
  readonly abortOnFail?: boolean;
  readonly tests: readonly ConfigTest[];
}

/** CONFIG_KEYS are the top-level keys a config may hold (kebab-case, as the flags). */
/** MAX_CONFIG_DEPTH is how deep a config's collections may nest: far more than any config needs. */
export const MAX_CONFIG_DEPTH = 64;

export const CONFIG_KEYS = ['target', 'duration', 'users', 'iterations', 'cycles', 'ramp-up', 'rate', 'stages', 'workers', 'think-time', 'timeout', 'headers', 'insecure', 'outputs', 'data', 'thresholds', 'abort-on-fail', 'tests'] as const;

/**
 * loadConfig reads and validates a YAML config. Any mistake — YAML syntax, an unknown key, a wrong
 * type, a missing script or data file, a bad threshold — is ONE GAUNTLET_CONFIG_INVALID error (exit
 * 2) naming the file, line and column, e.g. `config.yaml:4:3: unknown key 'durration' in tests[0]`.
 */
export function loadConfig(file: string): ScriptConfig {
  const abs = path.resolve(file);
  const display = path.relative(process.cwd(), abs) || abs;
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch {
    throw new GauntletError('GAUNTLET_USAGE', `config '${display}' not found`, { hint: 'give the path of a YAML config file' });
  }
  return parseConfig(text, abs, display);
}

/** parseConfig validates config text; `file` resolves relative paths, `display` names it in messages. */
export function parseConfig(text: string, file: string, display = file): ScriptConfig {
  const lines = new LineCounter();
  const r = new ConfigReader(display, lines);
  r.nesting(text, MAX_CONFIG_DEPTH); // counts the lines too
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: false }); // duplicates are reported at the key by ConfigReader
  const yamlError = doc.errors[0];
  if (yamlError !== undefined) {
    if (yamlError.code === 'MULTIPLE_DOCS') r.failAt(yamlError.pos[0], 'the config holds more than one YAML document', "remove the '---' line and what follows");
    r.failAt(yamlError.pos[0], yamlError.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''), 'check the YAML indentation and quoting');
  }
  const root = doc.contents as Node | null;
  if (root === null || !isMap(root)) r.fail(root, text.trim() === '' ? 'the config is empty' : `the config must be a mapping of keys (target, duration, tests, …), got ${isSeq(root) ? 'a list' : 'a single value'}`, "start with 'tests:' and a list of scripts, e.g. '- test: ./script.ts'");
  const dir = path.dirname(file);
  const out: { -readonly [K in keyof ScriptConfig]?: ScriptConfig[K] } = { file };
  const existing: Existing = (n, where, what, rel = r.string(n, where)) => {
    const p = path.resolve(dir, rel);
    if (!existsSync(p)) r.fail(n, `${what} '${rel}' not found (${where})`, `paths are relative to the config's folder ${dir}`);
    return p;
  };
  const fields: Record<(typeof CONFIG_KEYS)[number], Field> = {
    target: (n, w) => {
      const t = r.string(n, w);
      if (!/^https?:\/\/[^/]+/.test(t)) r.fail(n, `${w} must be an http:// or https:// URL, got '${t}'`, 'for example target: http://127.0.0.1:8080');
      out.target = t;
    },
    duration: (n, w) => (out.durationMs = r.duration(n, w)),
    users: (n, w) => (out.users = r.number(n, w, { int: true, max: MAX_USERS })),
    iterations: (n, w) => (out.iterations = r.number(n, w, { int: true })),
    cycles: (n, w) => (out.cycles = cycles(r, n, w)),
    'ramp-up': (n, w) => (out.rampUpMs = r.duration(n, w)),
    rate: (n, w) => (out.rate = r.number(n, w)),
    stages: (n, w) => {
      const stages: RateStage[] = [];
      r.list(n, w, (item, iw) => {
        const s: { durationMs?: number; target?: number } = {};
        r.object(item, iw, { duration: (v, vw) => (s.durationMs = r.duration(v, vw)), target: (v, vw) => (s.target = r.number(v, vw, { int: false, min: -1e-9 })) }, ['duration', 'target']);
        stages.push({ durationMs: s.durationMs!, target: s.target! });
      }, 1);
      out.stages = stages;
    },
    workers: (n, w) => (out.workers = r.number(n, w, { int: true })),
    'think-time': (n, w) => (out.thinkTimeMs = r.duration(n, w)),
    timeout: (n, w) => (out.timeoutMs = r.duration(n, w)),
    headers: (n, w) => (out.headers = r.stringMap(n, w)),
    insecure: (n, w) => (out.insecure = r.boolean(n, w)),
    outputs: (n, w) => {
      const o: { json?: string; csv?: string; timeseries?: string } = {};
      const file = (key: 'json' | 'csv' | 'timeseries'): Field => (v, vw) => (o[key] = path.resolve(dir, r.string(v, vw)));
      r.object(n, w, { json: file('json'), csv: file('csv'), timeseries: file('timeseries') });
      out.outputs = o;
    },
    data: (n, w) => {
      if (isScalar(n)) return void (out.data = { file: existing(n, w, 'data file'), mode: 'unique' });
      const d: { file?: string; mode: FeederMode; seed?: number } = { mode: 'unique' };
      r.object(n, w, { file: (v, vw) => (d.file = existing(v, vw, 'data file')), mode: (v, vw) => (d.mode = r.oneOf(v, vw, FEEDER_MODES)), seed: (v, vw) => (d.seed = r.number(v, vw, { int: true, min: 0 })) }, ['file']);
      out.data = d as { file: string; mode: FeederMode; seed?: number };
    },
    thresholds: (n, w) => (out.thresholds = thresholds(r, n, w)),
    'abort-on-fail': (n, w) => (out.abortOnFail = r.boolean(n, w)),
    tests: (n, w) => {
      const tests: ConfigTest[] = [];
      r.list(n, w, (item, iw) => tests.push(test(r, item, iw, existing)), 1);
      checkRates(r, n, tests, out.rate);
      out.tests = tests;
    },
  };
  r.object(root as Node, '', fields, ['tests']);
  return out as ScriptConfig;
}

type Existing = (n: Node, where: string, what: string, rel?: string) => string;

function test(r: ConfigReader, node: Node, where: string, existing: Existing): ConfigTest {
  const t: { -readonly [K in keyof ConfigTest]?: ConfigTest[K] } = {};
  r.object(node, where, {
    test: (v, vw) => {
      const ref = r.string(v, vw);
      const hash = ref.lastIndexOf('#');
      const filePart = hash > 0 ? ref.slice(0, hash) : ref;
      if (hash > 0) {
        const exp = ref.slice(hash + 1);
        if (!/^[A-Za-z_$][\w$]*$/.test(exp)) r.fail(v, `${vw}: '${exp}' is not an export name`, 'write it like ./file.ts#ClassName');
        t.exportName = exp;
      }
      t.file = existing(v, vw, 'script', filePart);
    },
    name: (v, vw) => (t.name = r.string(v, vw)),
    rate: (v, vw) => (t.rate = r.number(v, vw)),
    weight: (v, vw) => (t.weight = r.number(v, vw)),
    options: (v, vw) => (t.options = r.plain(v, vw)),
  }, ['test']);
  if (t.rate !== undefined && t.weight !== undefined) r.fail(node, `${where} has both rate and weight`, "remove one: a weight splits users in the closed model, a rate is the test's own open model");
  return t as ConfigTest;
}

function checkRates(r: ConfigReader, node: Node, tests: ConfigTest[], rate: number | undefined): void {
  const withRate = tests.filter((t) => t.rate !== undefined).length;
  if (withRate === 0) return;
  const items = (isSeq(node) ? node.items : []) as Node[];
  const i = tests.findIndex((t) => t.rate === undefined);
  if (i >= 0) r.fail(items[i], `tests[${i}] has no rate, but other tests have one; give every test a rate or none`, 'add rate: N to every test, or remove the rates');
  if (rate !== undefined) r.fail(node, 'tests have their own rates, so a top-level rate is ambiguous', 'remove the top-level rate or the tests\' rates');
}

function cycles(r: ConfigReader, node: Node, where: string): number[] {
  if (isSeq(node)) {
    const out: number[] = [];
    r.list(node, where, (n, w) => out.push(r.number(n, w, { int: true, max: MAX_USERS })), 1);
    return out;
  }
  const v = isScalar(node) ? String(node.value) : '';
  if (!/^\d+(:\d+)*$/.test(v) || v.split(':').some((x) => Number(x) < 1 || Number(x) > MAX_USERS)) r.fail(node, `${where} must be user counts (1 to ${MAX_USERS}) like 10:20:30 or a list, got '${v}'`, 'for example cycles: 10:20:30');
  return v.split(':').map(Number);
}

function thresholds(r: ConfigReader, node: Node, where: string): Threshold[] {
  const out: Threshold[] = [];
  const one = (n: Node, w: string, text: string, abortOnFail: boolean) => {
    try {
      out.push(parseThreshold(text, abortOnFail));
    } catch (err) {
      r.fail(n, `${w}: ${(err as Error).message}`, (err as GauntletError).hint ?? "write it like 'p(95)<200ms'");
    }
  };
  if (isSeq(node)) {
    r.list(node, where, (n, w) => one(n, w, r.string(n, w), false));
    return out;
  }
  if (!isMap(node)) r.fail(node, `${where} must be a mapping of metric to expressions or a list, got ${isScalar(node) ? `'${String(node.value)}'` : 'something else'}`, "for example thresholds: { http_req_duration: 'p(95)<200ms' }");
  for (const pair of (node as YAMLMap<Node, Node>).items) {
    const metric = isScalar(pair.key) ? String(pair.key.value) : '';
    const w = `${where}.${metric}`;
    const value = pair.value as Node;
    const items = isSeq(value) ? (value.items as Node[]) : [value];
    items.forEach((n, i) => {
      const iw = isSeq(value) ? `${w}[${i}]` : w;
      if (isMap(n)) {
        let text = '';
        let abort = false;
        r.object(n, iw, { threshold: (v, vw) => (text = r.string(v, vw)), abortOnFail: (v, vw) => (abort = r.boolean(v, vw)) }, ['threshold']);
        one(n, iw, `${metric} ${text}`, abort);
      } else one(n, iw, `${metric} ${r.string(n, iw)}`, false);
    });
  }
  return out;
}
