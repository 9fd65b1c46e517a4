import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { MergedMetrics } from '../../src/metrics/merged-metrics.js';
import { evaluateThresholds } from '../../src/metrics/thresholds.js';
import { loadConfig } from '../../src/scenarios/script/config.js';
import { readDataFile } from '../../src/scenarios/script/data-feeder.js';
import { runShutdown, runStartup } from '../../src/scenarios/script/script-lifecycle.js';
import { selectTests } from '../../src/scenarios/script/script-spec.js';
import { drive, EXAMPLES, harness, load, specFor, startExampleTarget, type ExampleTarget } from '../helpers/script-harness.js';

// Every example runs against the target the examples ship (examples/target.mjs), driven as a worker would.
let target: ExampleTarget;
before(async () => {
  target = await startExampleTarget();
});
after(() => target.close());

const example = (name: string) => path.join(EXAMPLES, name);

function clean(m: MergedMetrics, label: string): void {
  assert.equal(m.count('iteration_errors'), 0, `${label}: no iteration errors`);
  assert.equal(m.count('checks{result:fail}'), 0, `${label}: every check passes`);
  assert.equal(m.count('http_req_failed'), 0, `${label}: no unexpected responses`);
}

test('examples/rest.ts: weighted Browse and Create with checks and a custom trend', async () => {
  const loaded = await load(example('rest.ts'));
  const spec = specFor(loaded, { target: target.url });
  assert.deepEqual(spec.tests.map((t) => [t.name, t.weight]), [['Browse', 3], ['Create', 1]]);
  const m = await drive(await harness(spec), { users: 8, iterations: 3 });
  clean(m, 'rest');
  assert.equal(m.count('iterations{test:Browse}'), 18);
  assert.equal(m.count('iterations{test:Create}'), 6);
  assert.equal(m.count('http_reqs{name:create}'), 6);
  assert.equal(m.count('http_reqs{name:read deleted}'), 6);
  assert.equal(m.summary('create_ms')?.count, 6);
});

test('examples/session.ts: startup once, one login per user, cookies carry the session, logout at the end', async () => {
  const loaded = await load(example('session.ts'));
  const spec = await runStartup(specFor(loaded, { target: target.url }));
  assert.deepEqual(spec.tests[0]!.shared, { version: 'ok' });
  const logins = target.stats.logins;
  const logouts = target.stats.logouts;
  const m = await drive(await harness(spec), { users: 3, iterations: 4 });
  assert.deepEqual(await runShutdown(spec), []);
  clean(m, 'session');
  assert.equal(target.stats.logins - logins, 3);
  assert.equal(target.stats.logouts - logouts, 3);
  assert.equal(m.count('checks{check:session cookie accepted,result:pass}'), 12);
});

test('examples/websocket.ts: echo over a real ws server', async () => {
  const m = await drive(await harness(specFor(await load(example('websocket.ts')), { target: target.url })), { users: 3, iterations: 2 });
  clean(m, 'websocket');
  assert.equal(m.count('ws_sessions'), 6);
  assert.equal(m.count('ws_msgs_sent'), 18);
  assert.equal(m.count('ws_msgs_received'), 18);
  assert.equal(m.summary('ws_echo_ms')?.count, 18);
});

test('examples/csv-users.ts: each user logs in with its own row of users.csv', async () => {
  const data = await readDataFile(example('users.csv'), 'unique');
  const spec = specFor(await load(example('csv-users.ts')), { target: target.url, data });
  const m = await drive(await harness(spec), { users: data.rows.length, iterations: 2 });
  clean(m, 'csv-users');
  assert.equal(m.count('checks{check:me is the csv user,result:pass}'), data.rows.length * 2);
});

test('examples/function.ts: the function form and its options export', async () => {
  const loaded = await load(example('function.ts'));
  assert.deepEqual(loaded.modules[0]!.options, { users: 5, duration: '10s', thresholds: { http_req_duration: ['p(95)<200ms'], checks: ['rate>0.99'] } });
  const m = await drive(await harness(specFor(loaded, { target: target.url })), { users: 2, iterations: 3 });
  clean(m, 'function');
  assert.equal(m.count('checks{result:pass}'), 6);
});

test('examples/two-rates.yaml: two tests, each its own open-model scenario; thresholds pass', async () => {
  const config = loadConfig(example('two-rates.yaml'));
  assert.deepEqual(config.tests.map((t) => [t.exportName, t.rate]), [['Browse', 20], ['Create', 5]]);
  const loaded = await load([...new Set(config.tests.map((t) => t.file))]);
  const total = new MergedMetrics();
  for (const entry of config.tests) {
    // One plan scenario per rated test: its own spec with that single test. `--target` overrides the file.
    const spec = { ...specFor(loaded, { entries: [entry] }), target: target.url };
    const m = await drive(await harness(spec, true), { users: 2, iterations: Math.round(entry.rate! / 5) });
    total.merge(m);
  }
  clean(total, 'two-rates');
  assert.equal(total.count('iterations{test:Browse}'), 8);
  assert.equal(total.count('iterations{test:Create}'), 2);
  assert.equal(total.count('http_reqs{name:create}'), 2, 'options reach the instance (prefix) and the flow runs');
  const verdicts = evaluateThresholds(config.thresholds!, total, 1000);
  assert.ok(verdicts.every((v) => v.ok), JSON.stringify(verdicts));
  assert.equal(selectTests(loaded).length, 2);
});
