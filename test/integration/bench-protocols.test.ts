import assert from 'node:assert/strict';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { resolveBenchPlan } from '../../src/api/bench.js';
import { startRun } from '../../src/api/start-run.js';
import { selfSignedCert } from './transport-self-signed.js';

test('bench over https (-k) counts what the server saw', async () => {
  const { key, cert } = selfSignedCert();
  let seen = 0;
  const server = https.createServer({ key, cert }, (_req, res) => {
    seen++;
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as AddressInfo).port;
    const r = await startRun(resolveBenchPlan({ url: `https://127.0.0.1:${port}/`, connections: 3, requests: 200, workers: 1, insecure: true })).done;
    assert.equal(r.metrics.counters['http_reqs{status:200}'], 200);
    assert.equal(seen, 200);
    // Without -k the self-signed certificate is a tls failure, counted, not a crash.
    const bad = await startRun(resolveBenchPlan({ url: `https://127.0.0.1:${port}/`, connections: 1, requests: 3, workers: 1 })).done;
    assert.equal(bad.metrics.counters['http_req_failed{kind:tls}'], 3);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('bench --http2 speaks HTTP/2 (cleartext, prior knowledge) and counts streams', async () => {
  let streams = 0;
  let sessions = 0;
  const server = http2.createServer();
  server.on('session', () => sessions++);
  server.on('stream', (stream) => {
    streams++;
    stream.respond({ ':status': 200 });
    stream.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as AddressInfo).port;
    const r = await startRun(resolveBenchPlan({ url: `http://127.0.0.1:${port}/`, connections: 2, requests: 300, workers: 1, http2: true })).done;
    assert.equal(r.metrics.counters['http_reqs{status:200}'], 300);
    assert.equal(streams, 300);
    assert.ok(sessions >= 1 && sessions <= 2, `sessions ${sessions}`);
  } finally {
    server.close();
  }
});
