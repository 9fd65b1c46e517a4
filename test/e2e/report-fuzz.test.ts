import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { resolveBenchPlan } from '../../src/api/bench.js';
import { startRun } from '../../src/api/start-run.js';
import { GauntletError } from '../../src/core/errors.js';
import { mulberry32 } from '../../src/core/seeded-random.js';
import { parseRunResult } from '../../src/report/json-result.js';
import { renderTextSummary } from '../../src/report/text-summary.js';
import { renderTimeseriesCsv } from '../../src/report/timeseries-csv.js';
import { renderHtmlReport } from '../../src/report/html-report.js';
import { renderScriptSummary } from '../../src/scenarios/script/script-summary.js';
import { durabilityOf } from '../../src/scenarios/durability/durability-figures.js';
import { renderDurability } from '../../src/scenarios/durability/render-durability.js';
import { runCli } from '../helpers/cli.js';
import { startCountingTarget, type CountingTarget } from '../helpers/counting-target.js';

// `gauntlet report` on a well-labelled but damaged result: a real run's JSON, mutated 300 times
// (seeded, so every run tries the same files). Every mutation either renders in every format or is
// one GauntletError (exit 2, with a hint); a sample goes through the spawned CLI.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

let target: CountingTarget;
let base: { [k: string]: Json };
const dir = mkdtempSync(join(tmpdir(), 'gauntlet-report-fuzz-'));

before(async () => {
  let n = 0;
  target = await startCountingTarget({
    handler: (_req, res) => {
      res.writeHead(++n % 4 === 0 ? 503 : 200, { 'content-type': 'text/plain' });
      res.end('ok');
    },
  });
  const handle = startRun(resolveBenchPlan({ url: `${target.url}/`, rate: 100, duration: '600ms', connections: 4, workers: 2, interval: '100ms', expectStatus: '200' }));
  const result = await handle.done;
  base = JSON.parse(JSON.stringify({ ...result, thresholds: [{ metric: 'http_req_duration', expression: 'p(95)<5s', actual: 1, ok: true }], sections: { script: { shutdownFailures: ['shutdown threw'] } } })) as { [k: string]: Json };
});
after(() => target.close());


/** paths lists every field of a JSON value (as key lists), the root's format and version excepted. */
function paths(v: Json, at: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [];
  if (Array.isArray(v)) v.forEach((x, i) => out.push([...at, i], ...paths(x, [...at, i])));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (at.length > 0 || (k !== 'format' && k !== 'version')) out.push([...at, k], ...paths(x, [...at, k]));
  return out;
}

const REPLACEMENTS: Json[] = [null, 0, -1, 1e308, 'x', '', true, [], {}, [1, 'a'], { scale: 1000, data: 'not base64 at all' }, { scale: 1000, data: 'SElTRkZQ' }];

/** mutate deletes, replaces or retypes 1 to 3 random fields of a copy of `base`. */
function mutate(rand: () => number): { doc: Json; what: string } {
  const doc = structuredClone(base) as { [k: string]: Json };
  const what: string[] = [];
  if (rand() < 0.15) doc['version'] = 1; // a version-1 file goes through the older reader first
  const times = 1 + Math.floor(rand() * 3);
  for (let k = 0; k < times; k++) {
    const all = paths(doc);
    if (all.length === 0) break;
    const p = all[Math.floor(rand() * all.length)]!;
    let parent = doc as Json;
    for (const key of p.slice(0, -1)) parent = (parent as Record<string | number, Json>)[key]!;
    const last = p[p.length - 1]!;
    const op = rand();
    const container = parent as Record<string | number, Json>;
    if (op < 0.35) {
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete container[last];
      what.push(`delete ${p.join('.')}`);
    } else if (op < 0.85) {
      const r = structuredClone(REPLACEMENTS[Math.floor(rand() * REPLACEMENTS.length)]!);
      container[last] = r;
      what.push(`${p.join('.')} = ${JSON.stringify(r)}`);
    } else {
      const old = container[last]!;
      const r: Json = typeof old === 'string' ? old.slice(0, Math.floor(old.length / 2)) + '!' : typeof old === 'number' ? String(old) : JSON.stringify(old);
      container[last] = r;
      what.push(`retype ${p.join('.')}`);
    }
  }
  return { doc, what: what.join('; ') };
}

/** renderAll renders a parsed result in every format, as `gauntlet report` does. */
function renderAll(text: string): void {
  const result = parseRunResult(text, 'run.json');
  renderTextSummary(result);
  renderScriptSummary(result);
  const figures = durabilityOf(result);
  if (figures !== undefined) renderDurability(figures);
  renderTimeseriesCsv(result);
  renderHtmlReport(result);
}

test('named damage is one error at its JSON path', () => {
  const cases: [string, (d: { [k: string]: Json }) => void, string][] = [
    ['no intervals', (d) => delete d['intervals'], 'run.json: intervals is missing'],
    ['metrics a string', (d) => (d['metrics'] = 'x'), 'run.json: metrics is not an object'],
    ['no summary', (d) => delete d['summary'], 'run.json: summary is missing'],
    ['trend not encoded', (d) => (((d['metrics'] as { [k: string]: Json })['trends'] as { [k: string]: Json })['http_req_duration'] = { p99: 5 }), 'run.json: metrics.trends.http_req_duration is not an encoded histogram'],
    ['trend garbage', (d) => (((d['metrics'] as { [k: string]: Json })['trends'] as { [k: string]: Json })['http_req_duration'] = { scale: 1000, data: 'garbage' }), 'run.json: metrics.trends.http_req_duration is not an encoded histogram'],
    ['interval counter', (d) => (((d['intervals'] as { [k: string]: Json }[])[0]!['counters'] as { [k: string]: Json })['http_reqs'] = 'many'), 'run.json: intervals[0].counters.http_reqs is not a number'],
    ['interval gauge', (d) => (((d['intervals'] as { [k: string]: Json }[])[0]!['gauges'] as { [k: string]: Json })['vus'] = { value: 'ten', max: 10 }), 'run.json: intervals[0].gauges.vus.value is not a number'],
    ['run gauge', (d) => (((d['metrics'] as { [k: string]: Json })['gauges'] as { [k: string]: Json })['vus'] = 3), 'run.json: metrics.gauges.vus is not an object'],
  ];
  for (const [name, damage, message] of cases) {
    for (const version of [2, 1]) {
      const d = structuredClone(base);
      d['version'] = version;
      damage(d);
      assert.throws(() => renderAll(JSON.stringify(d)), (e: unknown) => e instanceof GauntletError && e.message === message && e.exitCode === 2 && e.hint !== undefined, `${name} (version ${version})`);
    }
  }
  renderAll(JSON.stringify(base)); // the undamaged result renders
});

test('300 seeded mutations: each renders everywhere or is one GauntletError; the CLI says so in two lines, exit 2', async () => {
  const rand = mulberry32(8);
  const failing: { file: string; what: string }[] = [];
  let rendered = 0;
  for (let i = 0; i < 300; i++) {
    const { doc, what } = mutate(rand);
    const text = JSON.stringify(doc);
    try {
      renderAll(text);
      rendered++;
    } catch (e) {
      assert.ok(e instanceof GauntletError, `mutation ${i} (${what}) threw ${(e as Error).stack}`);
      assert.equal(e.exitCode, 2, what);
      assert.ok(e.hint, `mutation ${i} (${what}) has no hint`);
      assert.doesNotMatch(e.message, /\n/, what);
      if (failing.length < 10 && i % 3 === 0) {
        const file = join(dir, `m${i}.json`);
        writeFileSync(file, text);
        failing.push({ file, what });
      }
    }
  }
  assert.ok(failing.length === 10, `enough damaged files to spawn (${failing.length}; ${rendered} rendered)`);
  const formats = [[], ['--format', 'timeseries'], ['--format', 'html']];
  for (const [i, { file, what }] of failing.entries()) {
    const r = await runCli(['report', file, ...formats[i % 3]!]);
    assert.equal(r.code, 2, `${what}\n${r.stderr}`);
    assert.equal(r.stdout, '', what);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 2, `${what}: ${r.stderr}`);
    assert.match(lines[0]!, /^error: .*m\d+\.json: \S/, what);
    assert.match(lines[1]!, /^hint: \S/, what);
    assert.doesNotMatch(r.stderr, /^\s+at /m, what);
  }
});

test("a damaged front door's section (durability figures) is one error and a hint from the CLI, not a stack trace", async () => {
  const file = join(dir, 'damaged-section.json');
  writeFileSync(file, JSON.stringify({ ...base, sections: { durability: { behaviours: 5, requests: 'many' } } }));
  const r = await runCli(['report', file]);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('error: ')).length, 1, r.stderr);
  assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('hint: ')).length, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});
