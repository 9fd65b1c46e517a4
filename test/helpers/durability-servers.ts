import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { parseServerSpec } from '../../src/durability/servers/parse-server-spec.js';
import { liveGroupMembers } from '../../src/durability/servers/process-tree.js';
import type { RunningServer } from '../../src/durability/servers/server-adapter.js';
import { skipOrFail } from './skip-or-fail.js';


/**
 * startServerOrSkip starts a server from a spec (`gunicorn-sync:workers=2,timeout=2`). A server that
 * is not installed fails the test in CI (CI=true: nothing may be skipped) and skips it elsewhere,
 * with the reason and the install command.
 */
export async function startServerOrSkip(t: TestContext, text: string): Promise<RunningServer | undefined> {
  const spec = parseServerSpec(text);
  const availability = await spec.adapter.available();
  if (!availability.ok) {
    const message = `${spec.adapter.name} is not available: ${availability.why}; install with: ${availability.install}`;
    skipOrFail(t, message);
    return undefined;
  }
  return spec.adapter.start({ settings: spec.settings, graceMs: 1000 });
}

/** stopAndCheck stops a server and checks that nothing of its process group (nor of its proxy's) is left. */
export async function stopAndCheck(server: RunningServer): Promise<void> {
  await server.stop();
  assert.deepEqual(liveGroupMembers(server.pid), [], `processes of ${server.name} left behind`);
  if (server.proxy) assert.deepEqual(liveGroupMembers(server.proxy.pid), [], `processes of the proxy ${server.proxy.name} left behind`);
}

/**
 * withServer starts a server from a spec, runs `fn` with it and always stops it, checking that
 * nothing of its process group is left. Unavailable: fails in CI, skips elsewhere (startServerOrSkip).
 */
export async function withServer(t: TestContext, text: string, fn: (server: RunningServer) => Promise<void>): Promise<void> {
  const server = await startServerOrSkip(t, text);
  if (!server) return;
  try {
    await fn(server);
  } finally {
    await stopAndCheck(server);
  }
}
