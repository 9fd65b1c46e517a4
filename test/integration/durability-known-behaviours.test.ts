import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { startServerOrSkip, stopAndCheck, withServer } from '../helpers/durability-servers.js';
import { openHangingRequest, pollUntil, requestBehaviour, type BehaviourOutcome } from '../helpers/durability-request.js';

/**
 * Known behaviours of real servers (issue 4, and shared/notes/servers-how-to-run.md): each one must
 * show in what a client sees. Every test is bounded to ~15 s by short client timeouts.
 */
const isOk = (o: BehaviourOutcome): boolean => o.kind === 'response' && o.status === 200;
const shown = (o: BehaviourOutcome): string => JSON.stringify(o.kind === 'response' ? { ...o, body: o.body.slice(0, 40) } : o);

describe('known server behaviours', { timeout: 90_000 }, () => {
  it('node-http + crash: the process dies and later requests are refused', { timeout: 15_000 }, async (t) => {
    const server = await startServerOrSkip(t, 'node-http');
    if (!server) return;
    try {
      const crash = await requestBehaviour(server.url, '/crash', 3000);
      assert.ok(crash.kind === 'closed' || crash.kind === 'reset', shown(crash));
      const later = await pollUntil(() => requestBehaviour(server.url, '/plain', 1000), (o) => o.kind === 'refused', 3000);
      assert.equal(later.kind, 'refused', shown(later));
      assert.equal((await server.sample()).processes, 0);
    } finally {
      const report = await server.stop();
      assert.equal(report.alreadyExited, true);
      assert.equal(report.exitCode, 1);
    }
  });

  it('node-cluster + crash: the worker is re-forked and the service recovers', { timeout: 15_000 }, async (t) => {
    await withServer(t, 'node-cluster:workers=2', async (server) => {
      // Ready means every worker listens, not only that it lives: with one listening worker the crash
      // would leave the port closed until the re-fork listens (a refused request, seen in CI).
      assert.match(server.logs(), /node-cluster: all 2 workers listening/);
      const crash = await requestBehaviour(server.url, '/crash', 3000);
      assert.ok(crash.kind === 'closed' || crash.kind === 'reset', shown(crash));
      const sample = await pollUntil(() => server.sample(), (s) => s.restarts >= 1 && s.processes === 3, 5000);
      assert.equal(sample.restarts, 1, JSON.stringify(sample));
      assert.equal(sample.processes, 3, JSON.stringify(sample));
      for (let i = 0; i < 6; i++) {
        const o = await requestBehaviour(server.url, '/plain', 2000);
        assert.ok(isOk(o), `request ${i} after the crash: ${shown(o)}`);
      }
      assert.match(server.logs(), /died \(code 1\), re-forking \(restart 1\)/);
    });
  });

  it('gunicorn-sync timeout=2 + wedge: the worker is killed and plain keeps succeeding', { timeout: 20_000 }, async (t) => {
    await withServer(t, 'gunicorn-sync:workers=2,timeout=2', async (server) => {
      const wedge = requestBehaviour(server.url, '/wedge', 10_000);
      await delay(300);
      const during: BehaviourOutcome[] = [];
      for (let i = 0; i < 5; i++) {
        during.push(await requestBehaviour(server.url, '/plain', 2000));
        await delay(200);
      }
      for (const o of during) assert.ok(isOk(o), `plain during the wedge: ${shown(o)}`);
      const wedged = await wedge;
      // The arbiter kills the silent worker after ~timeout + 1 s: the client gets EOF, no response.
      assert.ok(wedged.kind === 'closed' || wedged.kind === 'reset', shown(wedged));
      assert.ok(wedged.ms >= 1500 && wedged.ms < 9000, `the wedge ended after ${wedged.ms.toFixed(0)} ms`);
      const sample = await pollUntil(() => server.sample(), (s) => s.restarts >= 1 && s.processes === 3, 5000);
      assert.ok(sample.restarts >= 1, JSON.stringify(sample));
      assert.match(server.logs(), /WORKER TIMEOUT/);
      const after = await requestBehaviour(server.url, '/plain', 2000);
      assert.ok(isOk(after), shown(after));
    });
  });

  it('uwsgi harakiri=2 + wedge: the master kills the worker and re-spawns it', { timeout: 20_000 }, async (t) => {
    await withServer(t, 'uwsgi:processes=2,harakiri=2', async (server) => {
      const wedged = await requestBehaviour(server.url, '/wedge', 10_000);
      assert.ok(wedged.kind === 'closed' || wedged.kind === 'reset', shown(wedged));
      assert.ok(wedged.ms >= 1500 && wedged.ms < 9000, `the wedge ended after ${wedged.ms.toFixed(0)} ms`);
      const sample = await pollUntil(() => server.sample(), (s) => s.restarts >= 1 && s.processes === 3, 5000);
      assert.ok(sample.restarts >= 1, JSON.stringify(sample));
      assert.match(server.logs(), /HARAKIRI/);
      const after = await requestBehaviour(server.url, '/plain', 2000);
      assert.ok(isOk(after), shown(after));
    });
  });

  it('waitress + as many hangs as threads: it stops answering', { timeout: 15_000 }, async (t) => {
    const server = await startServerOrSkip(t, 'waitress:threads=2');
    if (!server) return;
    const hangs = [openHangingRequest(server.url, '/hang')];
    try {
      await delay(300);
      const oneFree = await requestBehaviour(server.url, '/plain', 2000);
      assert.ok(isOk(oneFree), `with one thread free plain still works: ${shown(oneFree)}`);
      hangs.push(openHangingRequest(server.url, '/hang'));
      await delay(300);
      const stalled = await requestBehaviour(server.url, '/plain', 1500);
      assert.equal(stalled.kind, 'timeout', `with every thread hung: ${shown(stalled)}`);
    } finally {
      for (const hang of hangs) hang.abort();
      await stopAndCheck(server);
    }
  });

  it('wsgiref + sleep: the other requests queue behind it', { timeout: 15_000 }, async (t) => {
    await withServer(t, 'wsgiref', async (server) => {
      const sleeping = requestBehaviour(server.url, '/sleep?seconds=1.5', 5000);
      await delay(150);
      const queued = await requestBehaviour(server.url, '/plain', 5000);
      assert.ok(isOk(queued), shown(queued));
      assert.ok(queued.ms >= 1000, `plain took ${queued.ms.toFixed(0)} ms; it should have waited for the sleep`);
      assert.ok(isOk(await sleeping));
    });
  });

  it('node-http + sleep: by contrast, the others do not queue', { timeout: 15_000 }, async (t) => {
    await withServer(t, 'node-http', async (server) => {
      // Order, not ms: the plain sent during the 1.5 s sleep is answered before the sleep is.
      const answered: string[] = [];
      const sleeping = requestBehaviour(server.url, '/sleep?seconds=1.5', 5000).then((o) => (answered.push('sleep'), o));
      await delay(150);
      const quick = await requestBehaviour(server.url, '/plain', 5000).then((o) => (answered.push('plain'), o));
      assert.ok(isOk(quick), shown(quick));
      assert.ok(isOk(await sleeping));
      assert.deepEqual(answered, ['plain', 'sleep'], `plain took ${quick.ms.toFixed(0)} ms: ${shown(quick)}`);
    });
  });
});
