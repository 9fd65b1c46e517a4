import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { nodeBehaviourApp } from '../../src/durability/apps/node-app.js';
import { DurabilityClient, renderPlain } from '../../src/api/durability-client.js';
import { durabilityOf } from '../../src/scenarios/durability/durability-figures.js';
import { policies } from '../../src/durability/policies.js';
import { startCountingTarget, type CountingTarget } from '../helpers/counting-target.js';

/**
 * The durability client through the engine, against the Node behaviour app served in this process
 * by a counting target: the client's counts must match the server's, and "OK" must mean as expected.
 */
let target: CountingTarget;
before(async () => {
  // As node-http and serveApp do: a throw in the handler is answered 500 (the process must not die).
  target = await startCountingTarget({
    handler: (req, res) => {
      try {
        nodeBehaviourApp(req, res);
      } catch {
        res.writeHead(500, { 'content-length': 22 }).end('Internal Server Error\n');
      }
    },
  });
});
after(() => target.close());

const counter = (c: Record<string, number>, key: string): number => c[key] ?? 0;

describe('durability client against a counting behaviour app', { timeout: 60_000 }, () => {
  it('100 requests of plain:98,plain(status=500):2, sequential, over two workers: exact counts, 0 unexpected', async () => {
    const before = target.requests;
    const client = new DurabilityClient({ policy: policies.sequential() }).add('plain', 98).add('plain(status=500)', 2);
    const result = await client.execute({ iterations: 100, parallel: 2, workers: 2, target: target.url });
    const c = result.metrics.counters;
    assert.equal(target.requests - before, 100, 'the server saw every request once');
    assert.equal(counter(c, 'http_reqs'), 100);
    assert.equal(counter(c, 'http_req_failed'), 0, 'a 500 that was expected is OK');
    assert.equal(counter(c, 'http_reqs{behaviour:plain}'), 98, 'each worker walks its own offset of one cycle');
    assert.equal(counter(c, 'http_reqs{behaviour:plain(status=500)}'), 2);
    assert.equal(counter(c, 'http_reqs{status:200}'), 98);
    assert.equal(counter(c, 'http_reqs{status:500}'), 2);
    const f = durabilityOf(result)!;
    assert.equal(f.unexpected, 0);
    assert.equal(f.collateralFailures, 0);
    assert.equal(f.firstUnexpectedMs, undefined);
    assert.deepEqual(f.behaviours.map((b) => [b.label, b.requests, b.unexpected]), [['plain', 98, 0], ['plain(status=500)', 2, 0]]);
    assert.equal(f.serverStats, undefined, 'no server to sample');
    assert.match(renderPlain(result), /^100 requests \(100\.00%\) returned OK and 0 \(0\.00%\) failed\.$/m);
  });

  it('judges against the expectation: a wedge that answers is unexpected, a reset that resets is OK', async () => {
    const client = new DurabilityClient({ policy: policies.sequential() }).add('plain').add('wedge(seconds=0.02)').add('reset');
    const result = await client.execute({ iterations: 30, target: target.url, workers: 1 });
    const c = result.metrics.counters;
    assert.equal(counter(c, 'http_reqs'), 30);
    assert.equal(counter(c, 'http_req_failed'), 10, 'the ten wedges answered 200 instead of failing');
    assert.equal(counter(c, 'http_req_failed{kind:expectation}'), 10);
    assert.equal(counter(c, 'http_req_failed{behaviour:wedge(seconds=0.02)}'), 10);
    assert.equal(counter(c, 'http_req_failed{behaviour:reset}'), 0, 'an RST was what reset should get');
    const f = durabilityOf(result)!;
    assert.equal(f.collateralFailures, 0, 'the wedges hurt nobody else');
    assert.ok(f.firstUnexpectedMs !== undefined && f.firstUnexpectedMs >= 0 && f.firstUnexpectedMs < result.durationMs);
    assert.match(renderPlain(result), /\nFailure Breakdown:\nCode: expectation\tCount: 10\tPercentage: 100\.00%\n$/);
  });

  it('a random policy with a seed picks the same behaviours again', async () => {
    const run = async () => {
      const client = new DurabilityClient({ policy: policies.random({ seed: 1234 }) }).add('plain', 3).add('plain(length=3)', 1).add('throw', 1);
      const r = await client.execute({ iterations: 60, target: target.url, workers: 2, parallel: 2 });
      return Object.entries(r.metrics.counters).filter(([k]) => k.startsWith('http_reqs{behaviour:')).sort();
    };
    const first = await run();
    assert.deepEqual(await run(), first);
    assert.equal(first.length, 3);
  });

  it('runs the open model too: 40 arrivals at 200/s', async () => {
    const client = new DurabilityClient({ policy: policies.sequential() }).add('plain', 3).add('sleep(seconds=0.05)', 1);
    const result = await client.execute({ target: target.url, rate: 200, requests: 40, workers: 1 });
    assert.equal(result.model, 'open');
    assert.equal(result.metrics.counters['http_reqs'], 40);
    assert.equal(result.metrics.counters['http_req_failed'] ?? 0, 0);
  });

  it('sends a misbehaving request on a new connection: a quietly closed keep-alive connection is not a server failure', async () => {
    // Like uWSGI's --http-socket: answer, then close the connection without saying `Connection: close`.
    const seen: string[] = [];
    const quiet = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', (d: Buffer) => {
        const path = d.toString('latin1').split(' ')[1] ?? '';
        seen.push(path.split('?')[0]!);
        if (path.startsWith('/plain')) socket.end('HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nPong!\n');
        // /hang: never answers; the client's timeout ends it
      });
    });
    await new Promise<void>((resolve) => quiet.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(quiet.address() as net.AddressInfo).port}`;
    try {
      const client = new DurabilityClient({ policy: policies.sequential() }).add('plain').add('hang(timeout=0.3)');
      const result = await client.execute({ iterations: 6, target: url, workers: 1 });
      assert.deepEqual(seen.filter((p) => p === '/hang').length, 3, 'every hang reached the server');
      assert.equal(result.metrics.counters['http_req_failed{kind:timeout}'], 3, 'and was judged on what the server did');
      assert.equal(result.metrics.counters['http_req_failed{behaviour:plain}'] ?? 0, 0, 'plain is retried on a stale connection');
    } finally {
      quiet.close();
    }
  });
});
