import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GauntletError } from '../../src/core/errors.js';
import { parseServerSpec } from '../../src/durability/servers/parse-server-spec.js';
import { liveGroupMembers } from '../../src/durability/servers/process-tree.js';
import { SERVER_ADAPTERS } from '../../src/durability/servers/server-registry.js';
import { requestBehaviour } from '../helpers/durability-request.js';
import { skipOrFail } from '../helpers/skip-or-fail.js';

/**
 * The server adapter contract: every adapter starts on a free loopback port, serves /plain, reports
 * its process tree, and stops leaving no process of its group behind. In CI (CI=true) an adapter that
 * is not installed fails; elsewhere it is skipped with the reason and the install command.
 */
const SPECS: Record<string, string> = {
  command: 'command:exec /usr/bin/python3 -m waitress --listen={host}:{port} {app}',
};

/** PROXIED are servers behind a proxy: the composed adapter keeps the same contract, for both process groups. */
const PROXIED = ['nginx>node-http', 'nginx:buffering=off,keepalive=0>gunicorn-sync:workers=2'];

describe('server adapter contract', { timeout: 180_000 }, () => {
  for (const text of [...SERVER_ADAPTERS.map((a) => SPECS[a.name] ?? a.name), ...PROXIED]) {
    const spec = parseServerSpec(text);
    const adapter = spec.adapter;
    it(`${adapter.name} starts, serves /plain and stops leaving nothing behind`, { timeout: 30_000 }, async (t) => {
      const availability = await adapter.available();
      if (!availability.ok) {
        const message = `${adapter.name} is not available: ${availability.why}; install with: ${availability.install}`;
        return skipOrFail(t, message);
      }
      const server = await spec.adapter.start({ settings: spec.settings });
      let stopped = false;
      try {
        assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
        assert.equal(server.pid, server.pid | 0);
        const outcome = await requestBehaviour(server.url, '/plain', 5000);
        assert.deepEqual(outcome.kind === 'response' ? [outcome.status, outcome.body] : outcome, [200, 'Pong!\n']);
        const sample = await server.sample();
        assert.ok(sample.processes >= 1, JSON.stringify(sample));
        assert.ok(sample.pids.includes(server.pid), `the leader ${server.pid} should be in ${JSON.stringify(sample.pids)}`);
        assert.ok(sample.rssBytes > 1024 * 1024, `RSS ${sample.rssBytes}`);
        assert.equal(sample.restarts, 0);
        assert.equal(sample.leaderAlive, true);
        const report = await server.stop();
        stopped = true;
        assert.equal(report.alreadyExited, false);
        assert.deepEqual(liveGroupMembers(server.pid), [], 'no process of the group may remain');
        if (spec.proxy !== undefined) {
          assert.equal(report.proxy?.alreadyExited, false);
          assert.deepEqual(liveGroupMembers(server.proxy!.pid), [], "no process of the proxy's group may remain");
          assert.ok((sample.proxy?.processes ?? 0) >= 1, JSON.stringify(sample.proxy));
        }
        assert.equal((await requestBehaviour(server.url, '/plain', 2000)).kind, 'refused');
        assert.equal(typeof server.logs(), 'string');
      } finally {
        if (!stopped) await server.stop();
      }
    });
  }

  it('await using stops the server', async () => {
    let pid = 0;
    {
      await using server = await parseServerSpec('node-http').adapter.start();
      pid = server.pid;
      assert.ok(liveGroupMembers(pid).length > 0);
    }
    assert.deepEqual(liveGroupMembers(pid), []);
  });

  it('a server that never answers fails the start with its log, and is killed', async () => {
    const spec = parseServerSpec("command:echo 'listening soon, promise'; exec sleep 30");
    const t0 = performance.now();
    await assert.rejects(spec.adapter.start({ settings: spec.settings, startTimeoutMs: 800, graceMs: 200 }), (error: unknown) => {
      assert.ok(error instanceof GauntletError);
      assert.equal(error.code, 'GAUNTLET_SERVER_FAILED');
      assert.match(error.message, /did not answer GET \/plain with 200 within 0\.8s/);
      assert.match(error.message, /listening soon, promise/);
      return true;
    });
    assert.ok(performance.now() - t0 < 5000);
  });

  it('a server that exits at start fails at once with its exit code and log', async () => {
    const spec = parseServerSpec("command:echo 'no such module' >&2; exit 3");
    await assert.rejects(spec.adapter.start({ settings: spec.settings }), (error: unknown) => {
      assert.ok(error instanceof GauntletError);
      assert.match(error.message, /exited \(code 3\) before it answered/);
      assert.match(error.message, /no such module/);
      assert.ok(error.hint?.includes('exit 3'));
      return true;
    });
  });

  it('a server that ignores SIGTERM is killed after the grace period', async () => {
    // An ignored signal stays ignored across exec, and Python leaves SIGTERM alone.
    const spec = parseServerSpec("command:trap '' TERM; exec /usr/bin/python3 {app_dir}/wsgi_serve.py wsgiref {host} {port}");
    const server = await spec.adapter.start({ settings: spec.settings, graceMs: 300 });
    const report = await server.stop();
    assert.equal(report.killed, true, JSON.stringify(report));
    assert.ok(report.durationMs >= 250, JSON.stringify(report));
    assert.deepEqual(liveGroupMembers(server.pid), []);
  });
});
