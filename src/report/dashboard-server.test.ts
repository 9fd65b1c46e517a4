import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { MergedMetrics } from '../metrics/merged-metrics.js';
import { DashboardServer } from './dashboard-server.js';
import type { PageDoc, PointEvent } from './page-model.js';

/** call sends one request with exactly these headers; it resolves with the status and the body (the first `maxBytes` of a stream). */
function call(port: number, method: string, path: string, headers: Record<string, string>, maxBytes = 1 << 20): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
        if (body.length >= maxBytes) {
          res.destroy();
          resolve({ status: res.statusCode!, body });
        }
      });
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the dashboard answers only to its own Host, stops only with the token from its own origin', async (t) => {
  let stops = 0;
  const d = await DashboardServer.start({ host: '127.0.0.1', port: 0, title: 't', onStop: () => stops++ });
  t.after(() => d.close());
  const port = Number(new URL(d.url).port);
  const host = `127.0.0.1:${port}`;
  const page = await call(port, 'GET', '/', { host });
  assert.equal(page.status, 200);
  assert.ok(page.body.includes(`"token":"${d.token}"`), 'the page holds the token');
  assert.equal((await call(port, 'GET', '/', { host: `localhost:${port}` })).status, 200);
  assert.equal((await call(port, 'GET', '/', { host: `evil.example:${port}` })).status, 403);
  assert.equal((await call(port, 'GET', '/events', { host: `evil.example:${port}` })).status, 403);
  assert.equal((await call(port, 'POST', '/stop', { host })).status, 403);
  assert.equal((await call(port, 'POST', '/stop', { host, 'x-gauntlet-token': d.token.replace(/.$/, (c) => (c === '0' ? '1' : '0')) })).status, 403);
  assert.equal((await call(port, 'POST', '/stop', { host, origin: 'http://127.0.0.1:1', 'x-gauntlet-token': d.token })).status, 403);
  assert.equal((await call(port, 'POST', '/stop', { host, 'sec-fetch-site': 'same-site', 'x-gauntlet-token': d.token })).status, 403);
  assert.equal((await call(port, 'GET', '/stop', { host, 'x-gauntlet-token': d.token })).status, 403);
  assert.equal(stops, 0);
  assert.equal((await call(port, 'POST', '/stop', { host, origin: `http://${host}`, 'sec-fetch-site': 'same-origin', 'x-gauntlet-token': d.token })).status, 202);
  assert.equal(stops, 1);
  await d.finish();
});

test('a stream opened late gets the document so far, then a point per interval, then the end', async (t) => {
  const d = await DashboardServer.start({ host: '127.0.0.1', port: 0, title: 'live', keep: true });
  t.after(() => d.close());
  const port = Number(new URL(d.url).port);
  const reporter = d.runReporter();
  reporter.onStart!({ label: 'GET /', intervalMs: 1000, workers: 1 }, 0);
  const totals = new MergedMetrics();
  const row = (i: number) => ({ index: i, startMs: i * 1000, durationMs: 1000, counters: { http_reqs: 10 }, trends: {} });
  for (let i = 0; i < 3; i++) {
    totals.add({ counters: { http_reqs: 10 }, trends: {} });
    reporter.onInterval!(row(i), totals);
  }
  const events: { event: string; data: unknown }[] = [];
  const stream = new Promise<void>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/events', headers: { host: `127.0.0.1:${port}` } }, (res) => {
      let text = '';
      res.on('data', (b: Buffer) => {
        text += b.toString();
        for (let i = text.indexOf('\n\n'); i >= 0; i = text.indexOf('\n\n')) {
          const block = text.slice(0, i);
          text = text.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) });
          if (event === 'end') {
            res.destroy();
            resolve();
          }
        }
        if (events.length === 1 && events[0]!.event === 'doc') {
          totals.add({ counters: { http_reqs: 10 }, trends: {} });
          reporter.onInterval!(row(3), totals);
          void d.finish();
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
  await stream;
  assert.deepEqual(
    events.map((e) => e.event),
    ['doc', 'point', 'end'],
  );
  const first = events[0]!.data as PageDoc;
  assert.equal(first.runs[0]!.state, 'running');
  assert.deepEqual(first.runs[0]!.series['t'], [1, 2, 3], 'everything so far');
  assert.equal(first.runs[0]!.tiles.find((x) => x.id === 'requests')!.raw, 30);
  const point = events[1]!.data as PointEvent;
  assert.deepEqual([point.point['t'], point.point['rps']], [4, 10]);
  assert.equal(point.view.tiles.find((x) => x.id === 'requests')!.raw, 40);
  assert.equal((events[2]!.data as PageDoc).live?.keep, true);
});

test('bound to every interface, the dashboard answers to this machine\'s addresses and still refuses another name', async (t) => {
  const d = await DashboardServer.start({ host: '0.0.0.0', port: 0, title: 't' });
  t.after(() => d.close());
  const port = Number(new URL(d.url).port);
  assert.equal((await call(port, 'GET', '/', { host: `127.0.0.1:${port}` })).status, 200);
  assert.equal((await call(port, 'GET', '/', { host: `evil.example:${port}` })).status, 403);
});
