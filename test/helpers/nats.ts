import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import type { TestContext } from 'node:test';
import { spawnCli } from './cli.js';

const inCI = process.env['CI'] === 'true';

/** freePort returns a port on 127.0.0.1 where nothing listens (it was just released). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Nats is a nats-server a test started on 127.0.0.1. */
export interface Nats {
  url: string;
  proc: ChildProcess;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => (c.destroy(), resolve(true)));
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nats-server did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** haveNatsOrSkip says whether nats-server is installed; missing, it fails in CI and skips elsewhere. */
export function haveNatsOrSkip(t: TestContext): boolean {
  if (spawnSync('nats-server', ['--version']).error !== undefined) {
    const message = 'nats-server is not installed; install with: apt-get install -y nats-server';
    if (inCI) assert.fail(message);
    t.skip(message);
    return false;
  }
  return true;
}

/** startNatsOrSkip starts nats-server on a free port, or on `port` (killed after the test); missing, it fails in CI and skips elsewhere. */
export async function startNatsOrSkip(t: TestContext, port?: number): Promise<Nats | undefined> {
  if (!haveNatsOrSkip(t)) return undefined;
  port ??= await freePort();
  const proc = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  t.after(() => void proc.kill('SIGKILL'));
  await waitForPort(port, 5000);
  return { url: `nats://127.0.0.1:${port}`, proc };
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
