import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { resolveBenchPlan } from '../../src/api/bench.js';
import { startRun } from '../../src/api/start-run.js';
import { runCli } from '../helpers/cli.js';

/** PipeTarget is a raw HTTP/1.1 server on 127.0.0.1 that sees how many requests each connection has unanswered. */
interface PipeTarget {
  readonly port: number;
  received: number;
  answered: number;
  status500: number;
  connections: number;
  /** the most requests one connection had sent and not yet had answered. */
  maxOutstanding: number;
  close(): Promise<void>;
}

interface PipeTargetOptions {
  /** hold answers until a connection has this many requests waiting (or every expected request came). */
  batch: number;
  /** expected: total requests the run sends (the last, partial batches are answered once all came). */
  expected: number;
  /** closeEvery: answer the Nth request of a connection with `Connection: close` and drop what is queued behind it. */
  closeEvery?: number;
}

/**
 * startPipeTarget answers in order, with three kinds of answer so that matching is checked: every
 * 4th request of a connection 500 (content-length), every 4th + 1 a chunked 200 in two chunks, the
 * others 200 "ok"; each batch is written in 7-byte pieces, so answers cross read boundaries.
 */
async function startPipeTarget(o: PipeTargetOptions): Promise<PipeTarget> {
  const sockets = new Set<net.Socket>();
  const t: PipeTarget = { port: 0, received: 0, answered: 0, status500: 0, connections: 0, maxOutstanding: 0, close: async () => {} };
  const flushes: (() => void)[] = [];
  const server = net.createServer((socket) => {
    t.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let text = '';
    let waiting = 0;
    let nth = 0;
    let closing = false;
    const flush = (): void => {
      if (waiting === 0 || closing) return;
      let out = '';
      for (; waiting > 0; waiting--) {
        const k = nth++;
        if (o.closeEvery !== undefined && nth % o.closeEvery === 0) {
          // Answer this one and close: what was pipelined behind it is never answered.
          out += 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok';
          t.answered++;
          closing = true;
          break;
        }
        if (k % 4 === 3) {
          out += 'HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\nfail';
          t.status500++;
        } else if (k % 4 === 1) out += 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n';
        else out += 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
        t.answered++;
      }
      const bytes = Buffer.from(out);
      for (let i = 0; i < bytes.length; i += 7) socket.write(bytes.subarray(i, i + 7));
      if (closing) socket.end();
    };
    flushes.push(flush);
    socket.on('data', (chunk) => {
      if (closing) return;
      text += chunk.toString('latin1');
      let end: number;
      while ((end = text.indexOf('\r\n\r\n')) >= 0) {
        text = text.slice(end + 4);
        t.received++;
        waiting++;
        t.maxOutstanding = Math.max(t.maxOutstanding, waiting);
      }
      if (waiting >= o.batch) flush();
      // The last requests of the run cannot fill a batch: answer everything once all came.
      if (t.received >= o.expected) for (const f of flushes) f();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(t, {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

test('bench -p 8 keeps 8 requests in flight per connection and matches every answer to its request', { timeout: 60_000 }, async () => {
  const target = await startPipeTarget({ batch: 8, expected: 1000 });
  try {
    // The target answers only once a connection has 8 requests waiting: without pipelining this run never ends.
    const r = await startRun(resolveBenchPlan({ url: `http://127.0.0.1:${target.port}/`, connections: 2, pipelining: 8, requests: 1000, workers: 1, timeout: '20s' })).done;
    const c = r.metrics.counters;
    assert.equal(target.received, 1000);
    assert.equal(target.answered, 1000);
    assert.equal(target.connections, 2);
    assert.equal(target.maxOutstanding, 8);
    assert.equal(c['http_reqs{status:500}'], target.status500);
    assert.equal(c['http_reqs{status:200}'], 1000 - target.status500);
    assert.equal(c['http_req_failed{kind:status}'], target.status500);
    assert.equal(r.summary['http_req_duration']?.count, 1000);
  } finally {
    await target.close();
  }
});

test('bench -p over several workers: each worker gets whole connections (6 connections, 4 deep, asked for 4 workers: 3 run)', { timeout: 60_000 }, async () => {
  const target = await startPipeTarget({ batch: 4, expected: 600 });
  try {
    const plan = resolveBenchPlan({ url: `http://127.0.0.1:${target.port}/`, connections: 6, pipelining: 4, requests: 600, workers: 4, timeout: '20s' });
    assert.equal(plan.workers, 3);
    const r = await startRun(plan).done;
    assert.equal(target.received, 600);
    // Before, 4 workers split 24 users 6 each: a 4-deep and a 2-deep connection per worker, 8 in all.
    assert.equal(target.connections, 6);
    assert.equal(target.maxOutstanding, 4);
    assert.equal(r.summary['http_req_duration']?.count, 600);
  } finally {
    await target.close();
  }
});

test('bench -p: a server that closes after every 50th answer drops what was pipelined behind it; those go out again and the count stays exact', { timeout: 60_000 }, async () => {
  const target = await startPipeTarget({ batch: 1, expected: Infinity, closeEvery: 50 });
  try {
    const r = await startRun(resolveBenchPlan({ url: `http://127.0.0.1:${target.port}/`, connections: 3, pipelining: 4, requests: 900, workers: 1 })).done;
    const c = r.metrics.counters;
    assert.equal(target.answered, 900);
    // Requests were pipelined behind the closing answers and re-sent: the target received more than it answered.
    assert.ok(target.received > 900, `received ${target.received}`);
    assert.ok(target.connections >= 900 / 50, `connections ${target.connections}`);
    // No transport failure: the only failures are the target's 500s.
    const failures = Object.entries(c).filter(([k]) => k.startsWith('http_req_failed{'));
    assert.deepEqual(failures, [['http_req_failed{kind:status}', target.status500]]);
    assert.equal(c['http_reqs{status:500}'], target.status500);
    assert.equal(r.summary['http_req_duration']?.count, 900);
  } finally {
    await target.close();
  }
});

test('bench -p refuses what it cannot do: an open model, https, a depth of 0 (exit 2, error + hint)', { timeout: 60_000 }, async () => {
  for (const args of [
    ['bench', 'http://127.0.0.1:9/', '-p', '4', '-r', '100', '-d', '1s'],
    ['bench', 'https://127.0.0.1:9/', '-p', '4', '-n', '10'],
    ['bench', 'http://127.0.0.1:9/', '-p', '0', '-n', '10'],
  ]) {
    const run = await runCli(args);
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 2, run.stderr);
    assert.match(lines[0]!, /^error: .*pipelining/);
    assert.match(lines[1]!, /^hint: /);
  }
});

test('bench -p: the oldest request timing out breaks the pipe: it is a timeout, the three behind it are aborted', { timeout: 60_000 }, async () => {
  const target = await startPipeTarget({ batch: Infinity, expected: Infinity });
  try {
    const r = await startRun(resolveBenchPlan({ url: `http://127.0.0.1:${target.port}/`, connections: 1, pipelining: 4, requests: 4, workers: 1, timeout: '500ms' })).done;
    const c = r.metrics.counters;
    assert.equal(target.received, 4);
    assert.equal(c['http_req_failed{kind:timeout}'], 1);
    assert.equal(c['http_req_failed{kind:aborted}'], 3);
  } finally {
    await target.close();
  }
});
