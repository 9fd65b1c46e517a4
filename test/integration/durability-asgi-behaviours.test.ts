import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { startServerOrSkip, stopAndCheck, withServer } from '../helpers/durability-servers.js';
import { pollUntil, requestBehaviour, type BehaviourOutcome } from '../helpers/durability-request.js';

/**
 * Known behaviours of the ASGI servers Debian ships (uvicorn 0.17, hypercorn 0.13, daphne 4,
 * gunicorn 20 with uvicorn workers), as a client sees them; docs/behaviours.md lists them. Each test
 * is bounded by short client timeouts; a server that is not installed fails in CI and skips elsewhere.
 */
const isOk = (o: BehaviourOutcome): boolean => o.kind === 'response' && o.status === 200;
const ended = (o: BehaviourOutcome): boolean => o.kind === 'closed' || o.kind === 'reset';
/** socketCount counts the sockets a process holds open (its listening socket and its connections). */
function socketCount(pid: number): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}
const shown = (o: BehaviourOutcome): string => JSON.stringify(o.kind === 'response' ? { ...o, body: o.body.slice(0, 40) } : o);

describe('known ASGI server behaviours', { timeout: 180_000 }, () => {
  it('uvicorn (one worker) + crash: no supervisor, so it never recovers and later requests are refused', { timeout: 20_000 }, async (t) => {
    const server = await startServerOrSkip(t, 'uvicorn');
    if (!server) return;
    try {
      assert.equal((await server.sample()).processes, 1, 'workers=1 is a single process');
      const crash = await requestBehaviour(server.url, '/crash', 3000);
      assert.ok(ended(crash), shown(crash));
      const later = await pollUntil(() => requestBehaviour(server.url, '/plain', 1000), (o) => o.kind === 'refused', 5000);
      assert.equal(later.kind, 'refused', shown(later));
      // Never: it stays down (nothing is left to bring it back).
      for (let i = 0; i < 3; i++) {
        await delay(300);
        const o = await requestBehaviour(server.url, '/plain', 1000);
        assert.equal(o.kind, 'refused', `request ${i} well after the crash: ${shown(o)}`);
      }
      assert.equal((await server.sample()).processes, 0);
    } finally {
      const report = await server.stop();
      assert.equal(report.alreadyExited, true, JSON.stringify(report));
      assert.equal(report.exitCode, 1, JSON.stringify(report));
    }
  });

  it('uvicorn workers=2 + two crashes: dead workers are not replaced; the supervisor keeps the port, so requests then time out', { timeout: 30_000 }, async (t) => {
    await withServer(t, 'uvicorn:workers=2', async (server) => {
      // A supervisor, multiprocessing's resource tracker and two workers.
      assert.equal((await server.sample()).processes, 4, JSON.stringify(await server.sample()));
      const first = await requestBehaviour(server.url, '/crash', 3000);
      assert.ok(ended(first), shown(first));
      const between = await requestBehaviour(server.url, '/plain', 3000);
      assert.ok(isOk(between), `the other worker still serves: ${shown(between)}`);
      const second = await requestBehaviour(server.url, '/crash', 3000);
      assert.ok(ended(second), shown(second));
      const sample = await pollUntil(() => server.sample(), (s) => s.processes === 2, 5000);
      assert.equal(sample.processes, 2, `both workers gone, none re-spawned: ${JSON.stringify(sample)}`);
      assert.equal(sample.restarts, 0);
      assert.equal(sample.leaderAlive, true);
      // The listening socket lives on in the supervisor: the kernel accepts, nobody answers.
      const stalled = await requestBehaviour(server.url, '/plain', 1500);
      assert.equal(stalled.kind, 'timeout', shown(stalled));
    });
  });

  it('hypercorn workers=2 + two crashes: no re-spawn; once every worker is dead the parent exits and requests are refused', { timeout: 30_000 }, async (t) => {
    const server = await startServerOrSkip(t, 'hypercorn:workers=2');
    if (!server) return;
    try {
      assert.equal((await server.sample()).processes, 3);
      const first = await requestBehaviour(server.url, '/crash', 3000);
      assert.ok(ended(first), shown(first));
      const between = await requestBehaviour(server.url, '/plain', 3000);
      assert.ok(isOk(between), `the other worker still serves: ${shown(between)}`);
      const second = await requestBehaviour(server.url, '/crash', 3000);
      assert.ok(ended(second), shown(second));
      const later = await pollUntil(() => requestBehaviour(server.url, '/plain', 1000), (o) => o.kind === 'refused', 5000);
      assert.equal(later.kind, 'refused', shown(later));
      const sample = await pollUntil(() => server.sample(), (s) => !s.leaderAlive, 5000);
      assert.equal(sample.leaderAlive, false, JSON.stringify(sample));
      assert.equal(sample.restarts, 0);
    } finally {
      await stopAndCheck(server);
    }
  });

  it('gunicorn-uvicorn timeout=2 + wedge: the arbiter kills the blocked worker and plain keeps succeeding', { timeout: 30_000 }, async (t) => {
    await withServer(t, 'gunicorn-uvicorn:workers=2,timeout=2', async (server) => {
      const wedge = requestBehaviour(server.url, '/wedge', 12_000);
      await delay(300);
      const during: BehaviourOutcome[] = [];
      for (let i = 0; i < 5; i++) {
        during.push(await requestBehaviour(server.url, '/plain', 3000));
        await delay(200);
      }
      for (const o of during) assert.ok(isOk(o), `plain during the wedge: ${shown(o)}`);
      const wedged = await wedge;
      // The wedged worker's loop stops its heartbeat; after ~timeout the arbiter kills it (SIGABRT).
      assert.ok(ended(wedged), shown(wedged));
      assert.ok(wedged.ms >= 1500 && wedged.ms < 11_000, `the wedge ended after ${wedged.ms.toFixed(0)} ms`);
      const sample = await pollUntil(() => server.sample(), (s) => s.restarts >= 1 && s.processes === 3, 8000);
      assert.ok(sample.restarts >= 1, JSON.stringify(sample));
      assert.match(server.logs(), /WORKER TIMEOUT/);
      const after = await requestBehaviour(server.url, '/plain', 3000);
      assert.ok(isOk(after), shown(after));
    });
  });

  it('gunicorn-uvicorn + crash: the arbiter re-forks the worker', { timeout: 20_000 }, async (t) => {
    await withServer(t, 'gunicorn-uvicorn:workers=2', async (server) => {
      const crash = await requestBehaviour(server.url, '/crash', 3000);
      assert.ok(ended(crash), shown(crash));
      const sample = await pollUntil(() => server.sample(), (s) => s.restarts >= 1 && s.processes === 3, 8000);
      // At least the crashed worker was re-forked (CI once saw 2 restarts: the arbiter may replace another).
      assert.ok(sample.restarts >= 1, JSON.stringify(sample));
      assert.equal(sample.processes, 3, JSON.stringify(sample));
      for (let i = 0; i < 4; i++) {
        const o = await requestBehaviour(server.url, '/plain', 3000);
        assert.ok(isOk(o), `request ${i} after the crash: ${shown(o)}`);
      }
    });
  });

  it('uvicorn: a sleep does not hold up other requests, a wedge blocks the whole event loop', { timeout: 20_000 }, async (t) => {
    await withServer(t, 'uvicorn', async (server) => {
      // Order, not ms: the plain sent during a 1.5 s sleep is answered first, during a wedge last.
      for (const [path, expected] of [
        ['/sleep?seconds=1.5', ['plain', 'slow']],
        ['/wedge?seconds=1.5', ['slow', 'plain']],
      ] as const) {
        const answered: string[] = [];
        const slow = requestBehaviour(server.url, path, 8000).then((o) => (answered.push('slow'), o));
        await delay(300);
        const quick = await requestBehaviour(server.url, '/plain', 8000).then((o) => (answered.push('plain'), o));
        assert.ok(isOk(quick), shown(quick));
        assert.ok(isOk(await slow), path);
        assert.deepEqual(answered, expected, `${path}: plain took ${quick.ms.toFixed(0)} ms`);
      }
    });
  });

  for (const name of ['uvicorn', 'hypercorn', 'daphne']) {
    it(`${name} + reset: a real RST each time, and no descriptor or stale event-loop entry left behind`, { timeout: 20_000 }, async (t) => {
      await withServer(t, name, async (server) => {
        const before = socketCount(server.pid);
        for (let i = 0; i < 5; i++) {
          const o = await requestBehaviour(server.url, '/reset', 3000);
          assert.equal(o.kind, 'reset', `reset ${i}: ${shown(o)}`);
        }
        const plain = await requestBehaviour(server.url, '/plain', 3000);
        assert.ok(isOk(plain), shown(plain));
        // The server closes each reset connection's transport: its socket count comes back down.
        const counts: number[] = [];
        await pollUntil(async () => counts.push(socketCount(server.pid)), () => counts.at(-1)! <= before, 5000);
        assert.ok(counts.at(-1)! <= before, `sockets before ${before}, after the resets ${counts[0]} and still ${counts.at(-1)} after ${counts.length} looks`);
      });
    });
  }

  it('daphne http_timeout=1 + hang: the silent request is answered 503', { timeout: 20_000 }, async (t) => {
    await withServer(t, 'daphne:http_timeout=1', async (server) => {
      const hung = await requestBehaviour(server.url, '/hang', 8000);
      assert.equal(hung.kind === 'response' ? hung.status : hung.kind, 503, shown(hung));
      const after = await requestBehaviour(server.url, '/plain', 3000);
      assert.ok(isOk(after), shown(after));
    });
  });
});
