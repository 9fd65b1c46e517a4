import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import { describe, it, type TestContext } from 'node:test';
import { CellRun, resolveMultiTest, resolveSingleTest, startMultiTest } from '../../src/api/durability.js';
import { durabilityOf, type DurabilityFigures } from '../../src/scenarios/durability/durability-figures.js';
import { renderDurability } from '../../src/scenarios/durability/render-durability.js';
import { nginxProxy } from '../../src/durability/servers/nginx-proxy.js';
import { liveGroupMembers } from '../../src/durability/servers/process-tree.js';
import type { RunningServer } from '../../src/durability/servers/server-adapter.js';
import { startServerOrSkip, stopAndCheck } from '../helpers/durability-servers.js';
import { pollUntil, requestBehaviour, type BehaviourOutcome } from '../helpers/durability-request.js';
import { skipOrFail } from '../helpers/skip-or-fail.js';

/**
 * nginx in front of real servers (issue 14): what a client sees through the proxy, how the judge
 * counts it, and that the proxy's processes and files go with the server. Every run is bounded by
 * short client timeouts and small request counts.
 */
const shown = (o: BehaviourOutcome): string => JSON.stringify(o.kind === 'response' ? { ...o, body: o.body.slice(0, 40) } : o);

async function nginxOrSkip(t: TestContext): Promise<boolean> {
  const a = await nginxProxy.available();
  if (!a.ok) skipOrFail(t, `nginx is not available: ${a.why}; install with: ${a.install}`);
  return a.ok;
}

/** prefixOf reads nginx's private folder from its process title (`nginx: master process nginx -p DIR -c …`). */
function prefixOf(nginxPid: number): string {
  const dir = / -p (\S+)/.exec(readFileSync(`/proc/${nginxPid}/cmdline`, 'utf8').replace(/\0/g, ' '))?.[1];
  assert.ok(dir, `no -p in nginx's command line`);
  return dir;
}

/** runCell runs one singletest cell and returns its figures and the PIDs of both process groups. */
async function runCell(server: string, mix: string, iterations: number): Promise<{ figures: DurabilityFigures; pids: number[] }> {
  const pids: number[] = [];
  const cell = resolveSingleTest({ server, mix, iterations, policy: 'sequential' });
  const outcome = await new CellRun(cell, { graceMs: 1000, onServer: (s) => pids.push(s.pid, ...(s.proxy ? [s.proxy.pid] : [])) }).done;
  assert.ok(outcome.result, `${server} did not run: ${outcome.error?.message}`);
  return { figures: durabilityOf(outcome.result)!, pids };
}

/** slowGet reads a response after holding it for `holdMs` (so nginx must buffer it) and resolves to its status and body length. */
function slowGet(url: string, holdMs: number): Promise<{ status: number; bytes: number; complete: boolean }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let bytes = 0;
        res.pause();
        setTimeout(() => res.resume(), holdMs);
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, complete: res.complete }));
        res.on('error', () => resolve({ status: res.statusCode ?? 0, bytes, complete: false }));
      })
      .on('error', reject);
  });
}

const unexpectedOf = (f: DurabilityFigures): Record<string, string> =>
  Object.fromEntries(f.behaviours.map((b) => [b.label, `${b.unexpected}/${b.requests}`]));

describe('nginx in front of a server', { timeout: 180_000 }, () => {
  it('a dead upstream (node-http after a crash) is a 502 through nginx, and the judge counts it as expected', { timeout: 30_000 }, async (t) => {
    if (!(await nginxOrSkip(t))) return;
    const server = await startServerOrSkip(t, 'nginx>node-http');
    if (!server) return;
    try {
      const crash = await requestBehaviour(server.url, '/crash', 5000);
      assert.ok(crash.kind === 'response' && crash.status === 502, shown(crash));
      const dead = await pollUntil(() => server.sample(), (s) => s.processes === 0, 5000);
      assert.equal(dead.processes, 0, 'node-http is gone');
      assert.equal(dead.proxy?.processes, 2, 'nginx (master and worker) lives on');
      const later = await requestBehaviour(server.url, '/plain', 5000);
      assert.ok(later.kind === 'response' && later.status === 502, shown(later));
      // nginx's error log reaches us through a pipe: wait for its lines, do not race them.
      const logs = await pollUntil(async () => server.logs(), (l) => /connect\(\) failed/.test(l), 10_000);
      assert.match(logs, /^nginx: .*upstream prematurely closed connection/m);
      assert.match(logs, /^nginx: .*connect\(\) failed \(111: Connection refused\)/m);
    } finally {
      const report = await server.stop();
      assert.equal(report.alreadyExited, true, 'the server had crashed');
      assert.equal(report.proxy?.alreadyExited, false, 'nginx was running until stopped');
    }
    // Through the engine: every crash request is as expected (the first kills node-http, the others
    // meet a dead upstream: 502 all the same), where node-http alone refuses all but the first.
    const proxied = await runCell('nginx>node-http', 'crash(timeout=5):1', 4);
    assert.deepEqual(unexpectedOf(proxied.figures), { 'crash(timeout=5)': '0/4' });
    for (const pid of proxied.pids) assert.deepEqual(liveGroupMembers(pid), [], `group ${pid} left behind`);
    // The server's figures are node-http's (dead at the end); nginx's own stay beside them.
    const stats = proxied.figures.serverStats!;
    assert.equal(stats.aliveAtEnd, false);
    assert.deepEqual({ ...stats.proxy, peakRssBytes: 0, rssEndBytes: 0, cpuSeconds: 0 }, { name: 'nginx', peakRssBytes: 0, rssEndBytes: 0, cpuSeconds: 0, processesStart: 2, processesEnd: 2, restarts: 0 });
    assert.ok(stats.proxy!.peakRssBytes > 1024 * 1024, JSON.stringify(stats.proxy));
    assert.match(renderDurability(proxied.figures), /^ {2}in front, nginx: peak RSS \d+\.\d\d MiB, restarts 0, CPU \d+\.\d\ds, processes 2 → 2$/m);
    // A crash's expected 502 is nginx answering, not the server: it does not end the outage that
    // the plain requests' 502s began, so the dead server reads `died`, not `recovers` (it did, before).
    const mixed = await runCell('nginx>node-http', 'plain:1,crash(timeout=5):1', 6);
    assert.deepEqual(unexpectedOf(mixed.figures), { plain: '2/3', 'crash(timeout=5)': '0/3' });
    assert.equal(mixed.figures.outages?.state, 'died', JSON.stringify(mixed.figures.outages));
    // Alone, the first crash kills node-http and the later ones are refused: 3/4 unexpected. Under
    // load a connect can still land in the dying process's backlog and be reset (the crash's own
    // expectation), so 2/4 happens too (seen once in a full suite); never 0/4 as behind nginx.
    const direct = await runCell('node-http', 'crash(timeout=5):1', 4);
    assert.match(unexpectedOf(direct.figures)['crash(timeout=5)'] ?? '', /^[23]\/4$/);
    assert.equal(direct.figures.serverStats?.proxy, undefined);
  });

  it('judges what nginx really does: reset 502, hang 504 after read_timeout, a sleep past it cut, huge and trickle whole', { timeout: 60_000 }, async (t) => {
    if (!(await nginxOrSkip(t))) return;
    // Once each, in this order (sequential, equal weights): the wedge last, as node-http stays busy
    // after nginx gave up on it, and a request behind it would meet a 504 too.
    const mix = 'plain:1,reset:1,sleep(seconds=2,timeout=5):1,huge(bytes=3000000):1,trickle:1,throw:1,hang(timeout=5):1,wedge(seconds=2,timeout=5):1';
    const entries = mix.split(/,(?![^(]*\))/).map((e) => e.slice(0, e.lastIndexOf(':')));
    for (const spec of ['nginx:read_timeout=1>node-http', 'nginx:read_timeout=1,buffering=off,keepalive=0>node-http']) {
      const { figures, pids } = await runCell(spec, mix, entries.length);
      assert.equal(figures.requests, entries.length, spec);
      assert.deepEqual(unexpectedOf(figures), Object.fromEntries(entries.map((label) => [label, '0/1'])), spec);
      for (const pid of pids) assert.deepEqual(liveGroupMembers(pid), [], `${spec}: group ${pid} left behind`);
    }
    // What the client sees, request by request:
    const server = await startServerOrSkip(t, 'nginx:read_timeout=1>node-http');
    if (!server) return;
    try {
      const hang = await requestBehaviour(server.url, '/hang', 10_000);
      assert.ok(hang.kind === 'response' && hang.status === 504, shown(hang));
      const reset = await requestBehaviour(server.url, '/reset', 5000);
      assert.ok(reset.kind === 'response' && reset.status === 502, shown(reset));
      const sleep = await requestBehaviour(server.url, '/sleep?seconds=2', 10_000);
      assert.ok(sleep.kind === 'truncated' && sleep.status === 200, shown(sleep));
    } finally {
      await stopAndCheck(server);
    }
  });

  it('samples both process trees, keeps both logs, and stop() leaves no process and no file behind', { timeout: 30_000 }, async (t) => {
    if (!(await nginxOrSkip(t))) return;
    const server = await startServerOrSkip(t, 'nginx>node-cluster:workers=2');
    if (!server) return;
    let proxy: RunningServer | undefined;
    let dir = '';
    try {
      proxy = server.proxy;
      assert.ok(proxy, 'a proxied server names its proxy');
      assert.equal(server.name, 'nginx>node-cluster');
      assert.equal(server.url, proxy.url);
      assert.notEqual(server.pid, proxy.pid);
      dir = prefixOf(proxy.pid);
      assert.equal(statSync(dir).mode & 0o777, 0o700, 'the config folder is private');
      assert.ok(existsSync(`${dir}/nginx.pid`) && existsSync(`${dir}/nginx.conf`));
      const sample = await server.sample();
      assert.equal(sample.processes, 3, `node-cluster: primary and 2 workers, ${JSON.stringify(sample)}`);
      assert.ok(sample.pids.includes(server.pid));
      assert.equal(sample.proxy?.processes, 2, 'nginx: master and one worker');
      assert.ok(sample.proxy.pids.includes(proxy.pid));
      assert.ok(!sample.pids.some((p) => sample.proxy!.pids.includes(p)), 'the trees are apart');
      // A body the client holds back goes to a temp file in the private folder: nginx's worker can
      // write there (as root, workers run as root: nginx's `nobody` could not, and would cut the body).
      const huge = await slowGet(`${server.url}/huge?bytes=${40 * 1024 * 1024}`, 1000);
      assert.deepEqual(huge, { status: 200, bytes: 40 * 1024 * 1024, complete: true });
      assert.match(readFileSync(`${dir}/error.log`, 'utf8'), /an upstream response is buffered to a temporary file/);
      for (let i = 0; i < 4; i++) assert.equal((await requestBehaviour(server.url, '/plain', 5000)).kind, 'response');
      const crash = await requestBehaviour(server.url, '/crash', 5000);
      assert.ok(crash.kind === 'response' && crash.status === 502, shown(crash));
      const after = await pollUntil(() => server.sample(), (s) => s.restarts >= 1 && s.processes === 3, 5000);
      assert.ok(after.restarts >= 1, `the server's restarts are counted: ${JSON.stringify(after)}`);
      assert.equal(after.proxy?.restarts, 0);
      assert.match(server.logs(), /^node-cluster: worker \d+ died \(code 1\)/m);
      assert.match(server.logs(), /^nginx: .*upstream prematurely closed connection/m);
    } finally {
      const report = await server.stop();
      assert.equal(report.name, 'nginx>node-cluster');
      assert.equal(report.proxy?.name, 'nginx');
      assert.deepEqual(liveGroupMembers(server.pid), [], 'no process of the server');
      if (proxy) assert.deepEqual(liveGroupMembers(proxy.pid), [], 'no process of nginx');
      if (dir !== '') assert.equal(existsSync(dir), false, 'the config folder is removed');
    }
  });

  it('multitest: node-http alone and behind nginx side by side, nothing left after any cell', { timeout: 60_000 }, async (t) => {
    if (!(await nginxOrSkip(t))) return;
    const m = await resolveMultiTest({
      servers: ['node-http', 'nginx>node-http'],
      mix: 'crash(timeout=5):1,plain(timeout=5):3',
      policy: 'sequential',
      iterations: 8,
      cellTimeLimit: '20s',
    });
    const groups: number[][] = [];
    const matrix = await startMultiTest(m, {
      graceMs: 1000,
      onServer: (s) => groups.push([s.pid, ...(s.proxy ? [s.proxy.pid] : [])]),
      onCellEnd: (i) => {
        for (const pid of groups[i]!) assert.deepEqual(liveGroupMembers(pid), [], `cell ${i}: group ${pid} left behind`);
      },
    }).done;
    assert.deepEqual(matrix.servers, ['node-http', 'nginx>node-http']);
    assert.equal(groups.length, 2);
    assert.equal(groups[1]!.length, 2, 'the proxied cell had two process groups');
    const crashes = (server: string): string => {
      const b = matrix.cells.find((c) => c.server === server)?.figures?.behaviours.find((x) => x.label.startsWith('crash'));
      return `${b?.unexpected}/${b?.requests}`;
    };
    // Two crashes each (sequential: crash, 3 plain, crash, 3 plain). Behind nginx both are a 502, as
    // expected; alone, the second is refused (node-http died with the first).
    assert.equal(crashes('nginx>node-http'), '0/2');
    assert.equal(crashes('node-http'), '1/2');
  });
});
