import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { resolveBenchPlan, type BenchOptions } from '../../src/api/bench.js';
import { startRun } from '../../src/api/start-run.js';
import { MergedMetrics } from '../../src/metrics/merged-metrics.js';
import type { RunResult } from '../../src/metrics/run-result.js';
import { startCountingTarget, type CountingTarget } from '../helpers/counting-target.js';

const run = (o: BenchOptions): Promise<RunResult> => startRun(resolveBenchPlan({ interval: '200ms', ...o })).done;

let target: CountingTarget;
before(async () => {
  target = await startCountingTarget();
});
after(() => target.close());

function reset(t: CountingTarget): void {
  t.requests = 0;
  t.connections = 0;
  t.byPath.clear();
  t.times.length = 0;
}

test('closed model: client counts equal server counts, one connection per user', async () => {
  reset(target);
  const r = await run({ url: target.url, connections: 5, requests: 1000, workers: 2 });
  assert.equal(r.stopReason, 'completed');
  assert.equal(r.metrics.counters['http_reqs'], 1000);
  assert.equal(r.metrics.counters['iterations'], 1000);
  assert.equal(target.requests, 1000);
  assert.equal(target.connections, 5);
  assert.equal(r.metrics.counters['http_reqs{status:200}'], 1000);
  assert.equal(r.metrics.counters['http_req_failed'] ?? 0, 0);
  assert.equal(r.summary['http_req_duration']!.count, 1000);
});

test('-n is exact across workers: 1001 requests, 10 users, 3 workers', async () => {
  reset(target);
  const r = await run({ url: target.url, connections: 10, requests: 1001, workers: 3 });
  assert.equal(r.metrics.counters['http_reqs'], 1001);
  assert.equal(target.requests, 1001);
  assert.equal(target.connections, 10);
});

test('open model: 200/s for 3s gives 600 requests (±2%), intended and achieved rate reported', async () => {
  reset(target);
  const r = await run({ url: target.url, rate: 200, duration: '3s', workers: 2 });
  assert.ok(Math.abs(target.requests - 600) <= 12, `server saw ${target.requests}`);
  assert.equal(r.metrics.counters['http_reqs'], target.requests);
  assert.ok(r.rate !== undefined);
  assert.ok(Math.abs(r.rate.intended - 200) < 5, `intended ${r.rate.intended}`);
  // Achieved is the iterations run per second of the whole run (start, drain and all), so it is
  // checked against the counts it is made of rather than against a floor a busy machine can miss.
  const iterations = r.metrics.counters['iterations'] ?? 0;
  assert.equal(iterations, target.requests, 'every arrival ran one iteration the server saw');
  const achievedN = (r.rate.achieved * r.durationMs) / 1000;
  assert.ok(Math.abs(achievedN - iterations) < 1e-6 * iterations, `achieved ${r.rate.achieved}/s over ${r.durationMs} ms is ${achievedN} iterations, not ${iterations}`);
  assert.ok(r.rate.achieved > 0 && r.rate.achieved <= r.rate.intended * (1 + 1e-9), `achieved ${r.rate.achieved}/s cannot beat the schedule's ${r.rate.intended}/s`);
  assert.ok(r.summary['http_req_service_time']!.count > 0, 'service time is kept apart in the open model');
});

test('a target that freezes for 1s in an open run raises response time while service time stays low', async () => {
  const frozen = await startCountingTarget();
  try {
    const handle = startRun(resolveBenchPlan({ url: frozen.url, rate: 100, duration: '4s', connections: 5, workers: 1, interval: '200ms' }));
    setTimeout(() => frozen.freeze(1000), 1500);
    const r = await handle.done;
    const resp = r.summary['http_req_duration']!;
    const svc = r.summary['http_req_service_time']!;
    assert.ok(resp.p90 > 200, `response p90 ${resp.p90}ms should show the queueing`);
    // At most one request per connection (5 of ~400) is held by the freeze; the ~100 that arrive
    // meanwhile wait in the client's queue and are served at normal speed once it thaws. So the
    // service-time p90 is an ordinary request's, far below the response-time p90 (a queued one's).
    // Compared with each other, not with a fixed number of ms a busy machine may exceed.
    assert.ok(svc.p90 * 4 < resp.p90, `service p90 ${svc.p90}ms should stay far below response p90 ${resp.p90}ms`);
    assert.ok(resp.mean > 2 * svc.mean, `response mean ${resp.mean}ms vs service mean ${svc.mean}ms`);
  } finally {
    await frozen.close();
  }
});

test('cycles run their user counts in order', async () => {
  let inFlight = 0;
  const seen: number[] = [];
  const t = await startCountingTarget({
    handler: (_req, res) => {
      inFlight++;
      seen.push(inFlight);
      setTimeout(() => {
        inFlight--;
        res.end('ok');
      }, 10);
    },
  });
  try {
    const r = await run({ url: t.url, cycles: '1:3', requests: 30, workers: 1 });
    assert.equal(r.metrics.counters['http_reqs'], 60);
    assert.equal(Math.max(...seen.slice(0, 30)), 1, 'first step: one user');
    assert.equal(Math.max(...seen.slice(30)), 3, 'second step: three users');
  } finally {
    await t.close();
  }
});

test('ramp-up spreads user starts over the ramp', async () => {
  // 4 users over a 700 ms ramp, by global index across 2 workers (0 and 2 on one, 1 and 3 on the
  // other): user g is due at g * 175 ms = 0, 175, 350 and 525 ms from the common start. Each worker
  // records a user's connect with its first response (http_req_connecting) and snapshots at every
  // 100 ms boundary; both are timers on that worker's clock, so a boundary that falls before a
  // user's due time is always passed first, however late a busy machine runs either. Hence the
  // connects recorded by each boundary can never exceed the users due before it — a count, not a
  // gap in ms (no boundary coincides with a due time). Starting everyone at once, or ramping each
  // worker's own users apart from the global index, records more users early and fails.
  const t = await startCountingTarget({ delayMs: 5 });
  try {
    const users = 4;
    const rampMs = 700;
    const intervalMs = 100;
    const r = await run({ url: t.url, connections: users, rampUp: `${rampMs}ms`, duration: '1000ms', workers: 2, interval: `${intervalMs}ms` });
    assert.equal(r.stopReason, 'completed');
    assert.equal(t.connections, users, 'the server saw one connection per user');
    const connects = r.intervals.map((row) => row.trends['http_req_connecting']?.count ?? 0);
    assert.equal(
      connects.reduce((a, b) => a + b, 0),
      users,
      `every user connected once, in some interval: ${JSON.stringify(connects)}`,
    );
    let sofar = 0;
    for (const row of r.intervals) {
      sofar += row.trends['http_req_connecting']?.count ?? 0;
      const end = row.startMs + intervalMs;
      const due = Array.from({ length: users }, (_, g) => (g * rampMs) / users).filter((at) => at < end).length;
      assert.ok(sofar <= due, `by ${end} ms ${sofar} users had connected but only ${due} were due: ${JSON.stringify(connects)}`);
    }
    assert.ok(connects[0]! < users, 'not every user had started by the first interval');
  } finally {
    await t.close();
  }
});

test('a target nobody listens on is a completed run with refused failures', async () => {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  const r = await run({ url: `http://127.0.0.1:${port}/`, connections: 2, requests: 20, workers: 1 });
  assert.equal(r.stopReason, 'completed');
  assert.equal(r.metrics.counters['http_reqs'], 20);
  assert.equal(r.metrics.counters['http_req_failed{kind:refused}'], 20);
});

test('unexpected statuses count as failures of kind status; --expect-status widens OK', async () => {
  const r1 = await run({ url: `${target.url}/status/503`, connections: 2, requests: 10, workers: 1 });
  assert.equal(r1.metrics.counters['http_req_failed{kind:status}'], 10);
  const r2 = await run({ url: `${target.url}/status/503`, connections: 2, requests: 10, workers: 1, expectStatus: '2xx,503' });
  assert.equal(r2.metrics.counters['http_req_failed'] ?? 0, 0);
});

test('the JSON result holds encoded histograms that re-merge to the same percentiles, and intervals add up', async () => {
  const r = await run({ url: target.url, connections: 4, requests: 2000, workers: 2 });
  const back = MergedMetrics.fromSnapshot(JSON.parse(JSON.stringify(r)).metrics);
  assert.deepEqual(back.summary('http_req_duration'), r.summary['http_req_duration']);
  const perInterval = r.intervals.reduce((s, i) => s + (i.counters['http_reqs'] ?? 0), 0);
  assert.equal(perInterval, 2000);
  assert.equal(r.format, 'gauntlet.run');
  assert.equal(r.version, 2);
});

test('stop() ends a long run early and keeps what was recorded', async () => {
  const handle = startRun(resolveBenchPlan({ url: target.url, connections: 2, duration: '60s', workers: 2, interval: '100ms' }));
  handle.on('started', () => setTimeout(() => handle.stop(), 500));
  const r = await handle.done;
  assert.equal(r.stopReason, 'interrupted');
  assert.ok(r.durationMs < 10_000);
  assert.ok((r.metrics.counters['http_reqs'] ?? 0) > 0);
});
