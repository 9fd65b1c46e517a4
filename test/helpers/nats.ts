import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { spawnCli } from './cli.js';
import { skipOrFail } from './skip-or-fail.js';


/** freePort returns a port on 127.0.0.1 where nothing listens (it was just released). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Nats is a nats-server a test started on 127.0.0.1, with JetStream on (its store in `storeDir`). */
export interface Nats {
  url: string;
  /** proc is the running server (replaced by restart). */
  proc: ChildProcess;
  port: number;
  /** storeDir is this test's JetStream store (removed after the test). */
  storeDir: string;
  /** kill stops the server at once (SIGKILL), as a crash would, and waits for it to exit. */
  kill(): Promise<void>;
  /** restart starts the server again on the same port and store (after kill), as an outage ends. */
  restart(): Promise<void>;
}

/** waitForPort waits until something listens on 127.0.0.1:port; past timeoutMs it fails with the server's `log` so far, if given. */
export async function waitForPort(port: number, timeoutMs: number, log?: { text: string }): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => (c.destroy(), resolve(true)));
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nats-server did not listen on ${port} within ${timeoutMs} ms${log ? `: ${log.text}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** haveNatsOrSkip says whether nats-server is installed; missing, it fails in CI and skips elsewhere. */
export function haveNatsOrSkip(t: TestContext): boolean {
  if (spawnSync('nats-server', ['--version']).error !== undefined) {
    const message = 'nats-server is not installed; install with: apt-get install -y nats-server';
    skipOrFail(t, message);
    return false;
  }
  return true;
}

/**
 * startNatsOrSkip starts nats-server with JetStream (`-js -sd <a fresh store dir>`) on a free port, or
 * on `port` (killed after the test); `jetstream: false` starts it without JetStream. Missing, it fails
 * in CI and skips elsewhere.
 */
export async function startNatsOrSkip(t: TestContext, port?: number, options: { jetstream?: boolean } = {}): Promise<Nats | undefined> {
  if (!haveNatsOrSkip(t)) return undefined;
  const p = port ?? (await freePort());
  const storeDir = mkdtempSync(join(tmpdir(), 'gauntlet-nats-'));
  const args = ['-a', '127.0.0.1', '-p', String(p), ...(options.jetstream === false ? [] : ['-js', '-sd', storeDir])];
  const launch = async () => {
    const proc = spawn('nats-server', args, { stdio: 'ignore' });
    await waitForPort(p, 10_000);
    return proc;
  };
  const nats: Nats = {
    url: `nats://127.0.0.1:${p}`,
    proc: await launch(),
    port: p,
    storeDir,
    async kill() {
      const proc = nats.proc;
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill('SIGKILL');
      });
    },
    async restart() {
      nats.proc = await launch();
    },
  };
  t.after(() => {
    nats.proc.kill('SIGKILL');
    rmSync(storeDir, { recursive: true, force: true });
  });
  return nats;
}

/**
 * startAgents spawns n agents of the built CLI (killed after the test) and waits until each says it
 * is waiting for runs; `extra` flags go to every agent, `env` replaces the environment (another user's config dir).
 */
export async function startAgents(t: TestContext, nats: Nats, n: number, prefix = 'agent', extra: readonly string[] = [], env?: NodeJS.ProcessEnv): Promise<ChildProcess[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const { child } = spawnCli(['agent', '--nats', nats.url, '-w', '1', '--id', `${prefix}${i}`, ...extra], 60_000, env);
      t.after(() => void child.kill('SIGKILL'));
      await new Promise<void>((resolve, reject) => {
        let text = '';
        const timer = setTimeout(() => reject(new Error(`${prefix}${i} did not start within 30 s: ${text}`)), 30_000);
        child.stderr!.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.includes('waiting for runs')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      return child;
    }),
  );
}

/** stderrLog collects a child's stderr from now on (agents log what they fetched, stopped, refused). */
export function stderrLog(child: ChildProcess): { text: string } {
  const out = { text: '' };
  child.stderr!.on('data', (d: Buffer) => (out.text += d.toString()));
  return out;
}

/** waitFor polls cond every 50 ms until it holds, or fails after timeoutMs (a generous bound, never a proof by sleeping). */
export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) assert.fail(`${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
