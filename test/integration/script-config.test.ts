import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { GauntletError } from '../../src/core/errors.js';
import { loadConfig, parseConfig } from '../../src/scenarios/script/config.js';
import { writeScripts } from '../helpers/script-harness.js';

const files = writeScripts({ 'upload.ts': 'export default async function () {}\n', 'users.csv': 'user\na\n' });
const dir = path.dirname(files['upload.ts']!);
const cfg = (text: string) => parseConfig(text, path.join(dir, 'config.yaml'), 'config.yaml');

function configError(message: string | RegExp, hint?: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof GauntletError, String(err));
    assert.equal(err.code, 'GAUNTLET_CONFIG_INVALID');
    assert.equal(err.exitCode, 2);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    if (hint) assert.match(err.hint ?? '', hint);
    return true;
  };
}

test('a full config is read into a typed ScriptConfig with paths relative to the config', () => {
  const c = cfg(`
target: http://127.0.0.1:8080
duration: 1m30s
users: 10
iterations: 100
cycles: "10:20:30"
ramp-up: 5s
stages:
  - { duration: 10s, target: 50 }
  - duration: 20s
    target: 0
workers: 2
think-time: 100ms
timeout: 2s
headers: { Authorization: Bearer x }
insecure: true
outputs: { json: out/result.json, csv: out/raw.csv, timeseries: out/ts.csv }
data: { file: ./users.csv, mode: round-robin, seed: 7 }
abort-on-fail: true
thresholds:
  http_req_duration: ["p(95)<200ms", { threshold: "p(99)<1s", abortOnFail: true }]
  "http_req_duration{name:upload}": "max<2s"
  checks: ["rate>0.99"]
tests:
  - test: ./upload.ts#default
    weight: 3
    options: { legacy: true, nested: { a: [1, 2] } }
  - test: ./upload.ts
    name: second
`);
  assert.equal(c.target, 'http://127.0.0.1:8080');
  assert.equal(c.durationMs, 90_000);
  assert.equal(c.users, 10);
  assert.equal(c.iterations, 100);
  assert.deepEqual(c.cycles, [10, 20, 30]);
  assert.equal(c.rampUpMs, 5000);
  assert.deepEqual(c.stages, [{ durationMs: 10_000, target: 50 }, { durationMs: 20_000, target: 0 }]);
  assert.equal(c.workers, 2);
  assert.equal(c.thinkTimeMs, 100);
  assert.equal(c.timeoutMs, 2000);
  assert.deepEqual(c.headers, { Authorization: 'Bearer x' });
  assert.equal(c.insecure, true);
  assert.deepEqual(c.outputs, { json: path.join(dir, 'out/result.json'), csv: path.join(dir, 'out/raw.csv'), timeseries: path.join(dir, 'out/ts.csv') });
  assert.deepEqual(c.data, { file: files['users.csv'], mode: 'round-robin', seed: 7 });
  assert.equal(c.abortOnFail, true);
  assert.deepEqual(c.thresholds!.map((t) => [t.name, t.tags, t.expression, t.value, t.abortOnFail]), [
    ['http_req_duration', {}, 'p(95)<200ms', 200, false],
    ['http_req_duration', {}, 'p(99)<1s', 1000, true],
    ['http_req_duration', { name: 'upload' }, 'max<2s', 2000, false],
    ['checks', {}, 'rate>0.99', 0.99, false],
  ]);
  assert.deepEqual(c.tests, [
    { file: files['upload.ts'], exportName: 'default', weight: 3, options: { legacy: true, nested: { a: [1, 2] } } },
    { file: files['upload.ts'], name: 'second' },
  ]);
});

test('per-test rates, and data given as a bare path', () => {
  const c = cfg('data: users.csv\ntests:\n  - { test: ./upload.ts, rate: 10 }\n  - { test: ./upload.ts, rate: 2.5 }\n');
  assert.deepEqual(c.tests.map((t) => t.rate), [10, 2.5]);
  assert.deepEqual(c.data, { file: files['users.csv'], mode: 'unique' });
});

test('mistakes are one line naming file:line:col and the key', () => {
  const tests = '\ntests:\n  - test: ./upload.ts\n';
  assert.throws(() => cfg(`target: http://x\ndurration: 30s${tests}`), configError("config.yaml:2:1: unknown key 'durration'", /did you mean 'duration'\?/));
  assert.throws(() => cfg('tests:\n  - test: ./upload.ts\n    rat: 3\n'), configError("config.yaml:3:5: unknown key 'rat' in tests[0]", /did you mean 'rate'/));
  assert.throws(() => cfg(`users: ten${tests}`), configError("config.yaml:1:8: users must be a whole number >= 1, got 'ten'"));
  assert.throws(() => cfg(`users: 2.5${tests}`), configError('config.yaml:1:8: users must be a whole number >= 1, got 2.5'));
  assert.throws(() => cfg(`duration: forever${tests}`), configError("config.yaml:1:11: duration 'forever' is not a duration"));
  assert.throws(() => cfg(`target: localhost:8080${tests}`), configError("config.yaml:1:9: target must be an http:// or https:// URL, got 'localhost:8080'"));
  assert.throws(() => cfg('users: 3\n'), configError("config.yaml:1:1: the config is missing the key 'tests'"));
  assert.throws(() => cfg('tests:\n  - test: ./nope.ts\n'), configError("config.yaml:2:11: script './nope.ts' not found (tests[0].test)"));
  assert.throws(() => cfg('tests:\n  - test: ./upload.ts#not-a-name\n'), configError(/^config\.yaml:2:11: tests\[0\]\.test: 'not-a-name' is not an export name/));
  assert.throws(() => cfg(`data: { file: missing.csv }${tests}`), configError("config.yaml:1:15: data file 'missing.csv' not found (data.file)"));
  assert.throws(() => cfg(`data: { file: users.csv, mode: shuffled }${tests}`), configError("config.yaml:1:32: data.mode must be one of unique, round-robin, random, got 'shuffled'"));
  assert.throws(() => cfg(`thresholds:\n  http_req_duration: ["p95<200ms"]${tests}`), configError(/^config\.yaml:2:23: thresholds\.http_req_duration\[0\]: threshold 'http_req_duration p95<200ms'/));
  assert.throws(() => cfg('tests:\n  - { test: ./upload.ts, rate: 1 }\n  - { test: ./upload.ts }\n'), configError('config.yaml:3:5: tests[1] has no rate, but other tests have one; give every test a rate or none'));
  assert.throws(() => cfg('tests:\n  - { test: ./upload.ts, rate: 1, weight: 2 }\n'), configError(/^config\.yaml:2:5: tests\[0\] has both rate and weight/));
  assert.throws(() => cfg('tests: []\n'), configError('config.yaml:1:8: tests needs at least 1 item'));
  assert.throws(() => cfg('tests:\n  - test:\n'), configError('config.yaml:2:5: tests[0].test has no value'));
  assert.throws(() => cfg(`users: 1\nusers: 2${tests}`), configError("config.yaml:2:1: duplicate key 'users'"));
  assert.throws(() => cfg('tests:\n  - test: [unclosed\n'), configError(/^config\.yaml:\d+:\d+: /));
  assert.throws(() => cfg('- just\n- a list\n'), configError(/^config\.yaml:1:1: the config must be a mapping/));
});

test('loadConfig reads the file and names a missing one', () => {
  assert.throws(() => loadConfig(path.join(dir, 'nope.yaml')), (err: unknown) => err instanceof GauntletError && /config '.*nope\.yaml' not found/.test(err.message));
});
