import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { startCountingTarget, type CountingTarget } from '../helpers/counting-target.js';
import { drive, harness, load, runOnce, specFor, startExampleTarget, writeScripts, type ExampleTarget } from '../helpers/script-harness.js';

let target: ExampleTarget;
before(async () => {
  target = await startExampleTarget();
});
after(() => target.close());

test('session cookies: each user logs in once and its cookie is sent on later requests, per user', async () => {
  const files = writeScripts({
    'cookies.ts': `
import { TestCase } from 'gauntlet';
export class Cookies extends TestCase {
  async userStart() {
    const u = 'u' + this.user.id;
    const r = await this.http.post('/login', { json: { user: u, password: 'secret-' + u }, name: 'login' });
    this.check('login', r.status === 200);
  }
  async run() {
    const me = await this.http.get('/me', { name: 'me' });
    this.check('me is me', me.status === 200 && me.json<any>().user === 'u' + this.user.id);
  }
  async userStop() {
    await this.http.post('/logout', { name: 'logout' });
    const me = await this.http.get('/me', { expect: { status: 401 }, name: 'me after logout' });
    this.check('logged out', me.ok);
  }
}`,
  });
  const spec = specFor(await load(files['cookies.ts']!), { target: target.url });
  const before = target.stats.requests;
  const m = await drive(await harness(spec), { users: 3, iterations: 4 });
  assert.equal(m.count('checks{check:login,result:pass}'), 3);
  assert.equal(m.count('checks{check:me is me,result:pass}'), 12);
  assert.equal(m.count('checks{check:logged out,result:pass}'), 3);
  assert.equal(m.count('checks{result:fail}'), 0);
  assert.equal(m.count('http_reqs'), target.stats.requests - before, "client's request count equals the server's");
  assert.equal(m.count('http_reqs{name:me}'), 12);
  assert.equal(m.summary('http_req_duration{name:me}')?.count, 12);
  assert.equal(m.count('http_req_failed'), 0, 'a 401 that was expected is OK');
});

test('metrics, expectations and failures: 4xx fails by default, expect makes it OK, a refused connection returns status 0', async () => {
  const counting: CountingTarget = await startCountingTarget();
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const deadPort = (closed.address() as { port: number }).port;
  await new Promise<void>((r) => closed.close(() => r()));
  try {
    const files = writeScripts({
      'statuses.ts': `
import { TestCase } from 'gauntlet';
export class Statuses extends TestCase {
  async run() {
    const ok = await this.http.get('/status/200');
    const missing = await this.http.get('/status/404', { name: 'missing' });
    const wanted = await this.http.get('/status/404', { expect: { status: 404 }, name: 'wanted' });
    const dead = await this.http.get('http://127.0.0.1:${deadPort}/');
    this.check('ok', ok.ok && ok.status === 200 && ok.text() === 'ok');
    this.check('missing is a status failure', !missing.ok && missing.kind === 'status');
    this.check('wanted', wanted.ok);
    this.check('refused', dead.status === 0 && dead.kind === 'refused' && dead.error.length > 0);
    this.check('timings', ok.timings.duration >= ok.timings.waiting && ok.timings.waiting >= 0);
  }
}`,
    });
    const spec = specFor(await load(files['statuses.ts']!), { target: counting.url });
    const m = await drive(await harness(spec), { users: 2, iterations: 5 });
    assert.equal(m.count('checks{result:fail}'), 0, JSON.stringify(m.counters));
    assert.equal(m.count('http_reqs'), 40);
    assert.equal(counting.requests, 30, 'the server saw every request that could connect');
    assert.equal(m.count('http_reqs{status:200}'), 10);
    assert.equal(m.count('http_reqs{status:404}'), 20);
    assert.equal(m.count('http_req_failed'), 20, '10 unexpected 404s + 10 refused');
    assert.equal(m.count('http_req_failed{kind:status}'), 10);
    assert.equal(m.count('http_req_failed{kind:refused}'), 10);
    assert.equal(m.count('http_req_failed{name:missing}'), 10);
    assert.equal(m.count('http_req_failed{name:wanted}'), 0);
    assert.equal(m.summary('http_req_waiting')?.count, 30);
    assert.ok((m.summary('http_req_connecting')?.count ?? 0) >= 2, 'each user connected at least once');
    assert.ok(m.count('data_received') > 30 * 20);
    assert.ok(m.count('data_sent') > 30 * 20);
  } finally {
    await counting.close();
  }
});

test('bodies, headers, query, redirects and timeouts', async () => {
  const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  // A plain server: the counting target drains request bodies before its handler runs.
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
      if (req.url === '/base/old') return void res.writeHead(302, { location: '/base/new' }).end();
      if (req.url === '/base/slow') return void setTimeout(() => res.end('late'), 2000);
      res.writeHead(200, { 'content-type': 'application/json', 'x-db-time': '0.25' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const t = { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
  try {
    const files = writeScripts({
      'bodies.ts': `
import { TestCase } from 'gauntlet';
export class Bodies extends TestCase {
  async run() {
    const a = await this.http.post('/json', { json: { a: 1 }, headers: { 'X-Trace': 'abc' }, query: { q: 'x y' } });
    this.metrics.add('db_time_s', Number(a.headers['x-db-time']));
    this.check('json parsed', a.json<any>().ok === true);
    await this.http.put('/form', { form: { b: 2 } });
    const r = await this.http.get('/old', { name: 'redirected' });
    this.check('redirect followed', r.status === 200 && r.url.endsWith('/new'));
    const slow = await this.http.get('/slow', { timeout: 100 });
    this.check('timed out', slow.status === 0 && slow.kind === 'timeout');
  }
}`,
    });
    const spec = specFor(await load(files['bodies.ts']!), { target: `${t.url}/base/`, headers: { Authorization: 'Bearer t' } });
    const m = await drive(await harness(spec), { users: 1, iterations: 1 });
    assert.equal(m.count('checks{result:fail}'), 0, JSON.stringify(m.counters));
    const json = seen.find((s) => s.url.startsWith('/base/json'))!;
    assert.equal(json.url, '/base/json?q=x+y');
    assert.equal(json.body, '{"a":1}');
    assert.equal(json.headers['content-type'], 'application/json');
    assert.equal(json.headers['x-trace'], 'abc');
    assert.equal(json.headers['authorization'], 'Bearer t', 'default headers from the spec');
    const form = seen.find((s) => s.url === '/base/form')!;
    assert.equal(form.method, 'PUT');
    assert.equal(form.body, 'b=2');
    assert.equal(form.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(m.count('http_reqs{name:redirected}'), 2, 'each redirect hop is its own request');
    assert.equal(m.count('http_reqs{status:302}'), 1);
    assert.equal(m.count('http_req_failed{kind:timeout}'), 1);
    assert.ok(Math.abs(m.summary('db_time_s')!.mean - 0.25) < 0.25e-3, 'custom trends keep their unit (3 significant digits)');
  } finally {
    await t.close();
  }
});

test('open model: the first request of an iteration counts the wait since its due time', async () => {
  const t = await startCountingTarget();
  try {
    const files = writeScripts({
      'open.ts': `
import { TestCase } from 'gauntlet';
export class Open extends TestCase {
  async run() { await this.http.get('/first'); await this.http.get('/second'); }
}`,
    });
    const h = await harness(specFor(await load(files['open.ts']!), { target: t.url }), true);
    const user = await h.scenario.createUser(0);
    await runOnce(user, performance.now() - 500); // due half a second ago
    await user.close();
    const snap = h.registry.snapshot();
    const { MergedMetrics } = await import('../../src/metrics/merged-metrics.js');
    const m = MergedMetrics.fromSnapshot(snap);
    const d = m.summary('http_req_duration')!;
    const s = m.summary('http_req_service_time')!;
    assert.equal(d.count, 2);
    assert.ok(d.max >= 500, `the first request's response time includes the 500ms wait (max ${d.max})`);
    assert.ok(d.min < 400, `the second does not (min ${d.min})`);
    assert.ok(s.max < 400, `service time leaves the wait out (max ${s.max})`);
    assert.ok(m.summary('iteration_duration')!.max >= 500);
  } finally {
    await t.close();
  }
});

test('abort ends a request in flight at once; the aborted request is not counted as a failure', async () => {
  const t = await startCountingTarget();
  try {
    const files = writeScripts({
      'stuck.ts': `
import { TestCase } from 'gauntlet';
export class Stuck extends TestCase {
  async run() { await this.http.get('/delay/10000'); await this.http.get('/after'); }
}`,
    });
    const h = await harness(specFor(await load(files['stuck.ts']!), { target: t.url }));
    const user = await h.scenario.createUser(0);
    const started = performance.now();
    const done = runOnce(user);
    setTimeout(() => user.abort(), 100);
    await done;
    await user.close();
    assert.ok(performance.now() - started < 5000, 'the iteration ended at the abort, not after the delay');
    const snap = h.registry.snapshot();
    assert.equal(snap.counters['http_req_failed'] ?? 0, 0);
    assert.equal(snap.counters['iteration_errors'] ?? 0, 0);
    assert.equal(t.byPath.get('/after'), undefined, 'nothing is sent after the abort');
  } finally {
    await t.close();
  }
});

test('parallel requests of one user open more connections (up to 6), sequential ones reuse one', async () => {
  const t = await startCountingTarget();
  try {
    const files = writeScripts({
      'par.ts': `
import { TestCase } from 'gauntlet';
export class Par extends TestCase {
  async run() {
    const rs = await Promise.all(Array.from({ length: 8 }, () => this.http.get('/delay/200', { name: 'par' })));
    this.check('all ok', rs.every((r) => r.ok));
    for (let i = 0; i < 5; i++) await this.http.get('/seq');
  }
}`,
    });
    const started = performance.now();
    const m = await drive(await harness(specFor(await load(files['par.ts']!), { target: t.url })), { users: 1, iterations: 1 });
    const ms = performance.now() - started;
    assert.equal(m.count('checks{result:pass}'), 1);
    assert.equal(t.connections, 6, 'six connections for eight parallel requests');
    assert.equal(t.requests, 13);
    assert.ok(ms < 2000, `two waves of 200ms, not eight (${ms.toFixed(0)}ms)`);
  } finally {
    await t.close();
  }
});
