import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { parseServerSpec } from '../../src/durability/servers/parse-server-spec.js';
import { liveGroupMembers } from '../../src/durability/servers/process-tree.js';
import { spawnCli } from '../helpers/cli.js';
import { startCountingTarget } from '../helpers/counting-target.js';
import { skipOrFail } from '../helpers/skip-or-fail.js';

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-signals-e2e-'));

/** waitUntil polls `check` every 50 ms until it is true, up to `ms`; false when time ran out. */
async function waitUntil(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (performance.now() >= end) return false;
    await delay(50);
  }
}

/** stat reads /proc/PID/stat: parent and process group (undefined once the process is gone). */
function stat(pid: number): { ppid: number; pgid: number; state: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: f[0]!, ppid: Number(f[1]), pgid: Number(f[2]) };
  } catch {
    return undefined;
  }
}

/** catchesSighup says whether the process has a handler for SIGHUP (bit 0 of SigCgt): Gauntlet's stop signals are caught. */
function catchesSighup(pid: number): boolean {
  try {
    const line = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return line !== null && (BigInt(`0x${line[1]}`) & 1n) === 1n;
  } catch {
    return false;
  }
}

/** serverOf finds the server a gauntlet process started (its child that leads its own group, not the sh watchdog) and its port. */
function serverOf(gauntletPid: number): { pid: number; port: number } | undefined {
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    const pid = Number(name);
    const s = stat(pid);
    if (s?.ppid !== gauntletPid || s.pgid !== pid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      continue;
    }
    if (cmdline.includes('gauntlet-watchdog')) continue;
    const port = /127\.0\.0\.1[: ](\d+)/.exec(cmdline);
    if (port) return { pid, port: Number(port[1]) };
  }
  return undefined;
}

/** accepts says whether something accepts TCP connections on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * withSingletest starts `gauntlet singletest -s <server> -d 30s`, waits until its server answers,
 * hands both to `fn`, and afterwards checks within 10 s that the server's port refuses connections
 * and no process of its group is left (and cleans up a server left behind, by its group id).
 */
async function withSingletest(server: string, fn: (cli: ReturnType<typeof spawnCli>, serverPid: number) => Promise<void>): Promise<void> {
  const cli = spawnCli(['singletest', '-s', server, '-t', 'plain', '-d', '30s', '-q'], 90_000);
  const pid = cli.child.pid!;
  let found: { pid: number; port: number } | undefined;
  try {
    assert.ok(await waitUntil(() => (found = serverOf(pid)) !== undefined, 30_000), 'gauntlet started no server within 30 s');
    const s = found!;
    assert.equal(stat(s.pid)?.pgid, s.pid, 'the server leads its own process group');
    assert.notEqual(stat(pid)?.pgid, s.pid, "the server is not in gauntlet's group");
    assert.ok(await waitUntil(() => accepts(s.port), 30_000), `the server did not answer on port ${s.port}`);
    await fn(cli, s.pid);
    await cli.wait;
    assert.ok(await waitUntil(async () => !(await accepts(s.port)), 10_000), `port ${s.port} still accepts connections 10 s after gauntlet ended`);
    assert.ok(await waitUntil(() => liveGroupMembers(s.pid).length === 0, 10_000), `processes of the server's group left: ${liveGroupMembers(s.pid).join(', ')}`);
  } finally {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
    if (found !== undefined && liveGroupMembers(found.pid).length > 0) process.kill(-found.pid, 'SIGKILL');
  }
}

/** availableOrSkip checks a server spec: not installed fails in CI and skips elsewhere, with the install command. */
async function availableOrSkip(t: TestContext, text: string): Promise<boolean> {
  const spec = parseServerSpec(text);
  const availability = await spec.adapter.available();
  if (availability.ok) return true;
  const message = `${spec.adapter.name} is not available: ${availability.why}; install with: ${availability.install}`;
  skipOrFail(t, message);
  return false;
}

describe('stop signals', { timeout: 240_000 }, () => {
  it('SIGHUP to bench prints the summary, writes a whole JSON file and exits 130', async () => {
    const target = await startCountingTarget();
    try {
      const json = join(dir, 'hup.json');
      const cli = spawnCli(['bench', target.url, '-d', '30s', '-c', '2', '-q', '--json', json], 90_000);
      assert.ok(await waitUntil(() => target.requests > 0, 30_000), 'bench sent no request within 30 s');
      cli.child.kill('SIGHUP');
      const r = await cli.wait;
      assert.equal(r.code, 130, r.stderr);
      assert.match(r.stdout, /^Test of \d+ requests complete in /m);
      assert.match(r.stdout, /Stopped by the user/);
      const parsed = JSON.parse(readFileSync(json, 'utf8')) as { stopReason?: string; summary?: { stopReason?: string } };
      assert.match(JSON.stringify(parsed), /"interrupted"/);
    } finally {
      await target.close();
    }
  });

  it('a SIGINT right after start-up (before the run started) still prints a summary and exits 130', async () => {
    const target = await startCountingTarget();
    try {
      for (const afterMs of [0, 100, 300, 700]) {
        const cli = spawnCli(['bench', target.url, '-d', '30s', '-c', '2', '-q'], 90_000);
        const pid = cli.child.pid!;
        // Before node has run any of Gauntlet's code the default action applies; from the moment
        // Gauntlet catches its stop signals (SIGHUP shows in SigCgt: node itself never catches it) a stop must report.
        assert.ok(await waitUntil(() => catchesSighup(pid) || cli.child.exitCode !== null, 30_000), 'gauntlet did not catch SIGHUP within 30 s');
        await delay(afterMs);
        cli.child.kill('SIGINT');
        const r = await cli.wait;
        assert.equal(r.code, 130, `SIGINT ${afterMs} ms after the handlers: ${r.stderr}`);
        assert.match(r.stdout, /^Test of \d+ (requests|iterations) complete in /m, `SIGINT ${afterMs} ms after the handlers`);
        assert.match(r.stdout, /Stopped by the user/);
      }
    } finally {
      await target.close();
    }
  });

  it('SIGKILL of singletest: the watchdog takes the node-http server down', async () => {
    await withSingletest('node-http', async (cli) => {
      cli.child.kill('SIGKILL');
      assert.equal((await cli.wait).signal, 'SIGKILL');
    });
  });

  it('SIGHUP to singletest prints the report and stops the node-http server', async () => {
    await withSingletest('node-http', async (cli) => {
      await delay(500);
      cli.child.kill('SIGHUP');
      const r = await cli.wait;
      assert.equal(r.code, 130, r.stderr);
      assert.match(r.stdout, /^Test of \d+ requests complete in /m);
    });
  });

  it('SIGKILL of singletest: the watchdog takes a gunicorn master and its workers down', async (t) => {
    if (!(await availableOrSkip(t, 'gunicorn-sync:workers=2'))) return;
    await withSingletest('gunicorn-sync:workers=2', async (cli) => {
      cli.child.kill('SIGKILL');
      assert.equal((await cli.wait).signal, 'SIGKILL');
    });
  });
});
