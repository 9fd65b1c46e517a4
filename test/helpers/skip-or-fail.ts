import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';

/**
 * skipOrFail is what a test does when a system tool it needs (nats-server, openssl, chromium,
 * prometheus, a server under test) is missing: it fails in CI (`CI=true`, where .ci/run installs
 * every tool, so a skip would count as a pass) and skips elsewhere with `message` (how to install it).
 */
export function skipOrFail(t: TestContext, message: string): void {
  if (process.env['CI'] === 'true') assert.fail(message);
  t.skip(message);
}
