import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DurabilityClient } from '../../src/api/durability-client.js';
import { durabilityOf, type DurabilityFigures } from '../../src/scenarios/durability/durability-figures.js';
import { policies } from '../../src/durability/policies.js';
import { REQUEST_ROW_FIELDS } from '../../src/metrics/request-log.js';
import type { Reporter } from '../../src/report/reporter.js';
import type { RunResult } from '../../src/metrics/run-result.js';
import { withServer } from '../helpers/durability-servers.js';

/**
 * The known behaviours of real servers, seen through the durability engine (DurabilityClient → startRun →
 * workers): the figures a run records must show them. Every run is bounded by short client timeouts.
 */
const counter = (r: RunResult, key: string): number => r.metrics.counters[key] ?? 0;
const figures = (r: RunResult): DurabilityFigures => {
  const f = durabilityOf(r);
  assert.ok(f, 'the result carries sections.durability');
  return f;
};
const shown = (r: RunResult): string => JSON.stringify({ counters: r.metrics.counters, durability: { ...figures(r), serverStats: { ...figures(r).serverStats, series: undefined } } });

describe('known server behaviours through the durability engine', { timeout: 120_000 }, () => {
  it('node-http + crash: the server dies, later requests are refused, no recovery', { timeout: 20_000 }, async (t) => {
    await withServer(t, 'node-http', async (server) => {
      const client = new DurabilityClient({ policy: policies.sequential() }).add('plain(timeout=2)', 9).add('crash(timeout=2)', 1);
      const r = await client.execute({ iterations: 30, target: server.url, server, workers: 1 });
      const f = figures(r);
      assert.equal(counter(r, 'http_reqs'), 30);
      assert.ok(counter(r, 'http_req_failed{kind:refused}') >= 15, shown(r));
      assert.equal(counter(r, 'http_req_failed{behaviour:crash(timeout=2)}'), 2, 'the later crashes are refused too; the first was judged OK');
      assert.ok(f.collateralFailures >= 15, shown(r));
      assert.ok(f.crashes >= 1);
      assert.equal(f.recovery, undefined, 'it never recovers');
      assert.equal(f.unrecoveredCrashes, 1);
      assert.ok(f.firstUnexpectedMs !== undefined);
      assert.equal(f.serverStats?.aliveAtEnd, false, shown(r));
      assert.equal(f.serverStats?.processesEnd, 0);
    });
  });

  it('node-cluster + crash: the worker is re-forked, the service recovers and the recovery time is recorded', { timeout: 30_000 }, async (t) => {
    await withServer(t, 'node-cluster:workers=2', async (server) => {
      // A crash every 20 requests, 20 ms apart: the re-fork has time before the next crash.
      const client = new DurabilityClient({ policy: policies.sequential() }).add('plain(timeout=3)', 19).add('crash(timeout=3)', 1);
      const r = await client.execute({ iterations: 60, target: server.url, server, workers: 1, think: '20ms' });
      const f = figures(r);
      assert.equal(counter(r, 'http_reqs'), 60);
      assert.equal(f.crashes, 3, shown(r));
      assert.ok(f.recovery !== undefined && f.recovery.count >= 2, shown(r));
      // Each recovery runs from a crash request's send to the end of the next OK request; in one
      // worker they follow one another without overlap, so they are positive, ordered figures whose
      // sum fits inside the run (no bound in ms a busy machine could miss).
      const rec = f.recovery;
      assert.ok(rec.minMs > 0 && rec.minMs <= rec.p50Ms && rec.p50Ms <= rec.maxMs, shown(r));
      assert.ok(rec.count * rec.meanMs <= r.durationMs, `${rec.count} recoveries of ${rec.meanMs} ms on average cannot outlast the ${r.durationMs} ms run: ${shown(r)}`);
      assert.equal(f.unrecoveredCrashes, 0, shown(r));
      assert.ok((f.serverStats?.restarts ?? 0) >= 2, shown(r));
      assert.equal(f.serverStats?.aliveAtEnd, true);
      assert.ok(f.unexpectedPercent < 20, shown(r));
    });
  });

  it('gunicorn-sync timeout=2 + wedge: the worker is killed (the wedge is OK) and plain keeps succeeding', { timeout: 40_000 }, async (t) => {
    await withServer(t, 'gunicorn-sync:workers=2,timeout=2', async (server) => {
      const client = new DurabilityClient({ policy: policies.sequential() }).add('plain(timeout=5)', 19).add('wedge(timeout=10)', 1);
      const r = await client.execute({ iterations: 40, parallel: 2, target: server.url, server, workers: 1 });
      const f = figures(r);
      assert.equal(counter(r, 'http_reqs'), 40);
      assert.equal(counter(r, 'http_reqs{behaviour:wedge(timeout=10)}'), 2, shown(r));
      assert.equal(counter(r, 'http_req_failed{behaviour:wedge(timeout=10)}'), 0, `the arbiter killed each wedged worker: ${shown(r)}`);
      assert.equal(f.collateralFailures, 0, shown(r));
      assert.equal(counter(r, 'http_req_failed'), 0);
      // The last replacement may fork after the run's last sample: at least the first restart shows.
      assert.ok((f.serverStats?.restarts ?? 0) >= 1, shown(r));
      assert.match(server.logs(), /WORKER TIMEOUT/);
    });
  });

  it('uwsgi harakiri=2 + wedge: the master kills the worker, the wedge reached it and is OK', { timeout: 40_000 }, async (t) => {
    await withServer(t, 'uwsgi:processes=2,harakiri=2', async (server) => {
      const client = new DurabilityClient({ policy: policies.sequential() }).add('plain(timeout=5)', 9).add('wedge(timeout=10)', 1);
      const r = await client.execute({ iterations: 20, target: server.url, server, workers: 1 });
      const f = figures(r);
      assert.equal(counter(r, 'http_reqs{behaviour:wedge(timeout=10)}'), 2, shown(r));
      assert.equal(counter(r, 'http_req_failed'), 0, shown(r));
      assert.ok(r.durationMs >= 3000, `two wedges of ~2 s each cannot end sooner: ${r.durationMs} ms`);
      assert.ok((f.serverStats?.restarts ?? 0) >= 1, shown(r));
      assert.match(server.logs(), /HARAKIRI/);
    });
  });

  it('waitress + as many hangs as threads: it stops answering', { timeout: 40_000 }, async (t) => {
    await withServer(t, 'waitress:threads=2', async (server) => {
      // hang, plain, hang, plain…: the first plain finds a free thread; once two hangs hold both, nothing answers.
      const client = new DurabilityClient({ policy: policies.sequential() }).add('hang(timeout=2)', 1).add('plain(timeout=1.5)', 1);
      const r = await client.execute({ iterations: 8, parallel: 2, target: server.url, server, workers: 1 });
      const f = figures(r);
      const plains = counter(r, 'http_reqs{behaviour:plain(timeout=1.5)}');
      const failedPlains = counter(r, 'http_req_failed{behaviour:plain(timeout=1.5)}');
      assert.equal(plains, 4);
      assert.ok(failedPlains >= 2 && failedPlains < plains, `the first plain succeeds, the later ones time out: ${shown(r)}`);
      assert.equal(f.collateralFailures, failedPlains);
      assert.ok(counter(r, 'http_req_failed{kind:timeout}') >= 4 + 2, shown(r));
      assert.equal(f.serverStats?.aliveAtEnd, true, 'waitress is alive, just not answering');
    });
  });

  for (const [name, queues] of [['wsgiref', true], ['node-http', false]] as const) {
    it(`${name} + sleep: the others ${queues ? 'queue behind it' : 'do not queue'}`, { timeout: 30_000 }, async (t) => {
      await withServer(t, name, async (server) => {
        const rows: Float64Array[] = [];
        const collect: Reporter = { onRows: (_w, batch) => void rows.push(batch) };
        const client = new DurabilityClient({ policy: policies.sequential() }).add('sleep(seconds=1)', 1).add('plain', 4);
        const r = await client.execute({ iterations: 10, parallel: 2, target: server.url, server, workers: 1, rawRows: true, reporters: [collect] });
        assert.equal(counter(r, 'http_req_failed'), 0);
        const all: { seconds: number; bytes: number }[] = [];
        for (const b of rows) for (let i = 0; i < b.length; i += REQUEST_ROW_FIELDS) all.push({ seconds: b[i + 1]!, bytes: b[i + 4]! });
        assert.equal(all.length, 10);
        // plain answers 6 body bytes, sleep 10: the plain rows are the smaller ones.
        const smallest = Math.min(...all.map((x) => x.bytes));
        const slowPlains = all.filter((x) => x.bytes === smallest && x.seconds >= 0.5).length;
        if (queues) assert.ok(slowPlains >= 1, `a plain should have waited for the sleep: ${JSON.stringify(all)}`);
        else assert.equal(slowPlains, 0, JSON.stringify(all));
      });
    });
  }
});
