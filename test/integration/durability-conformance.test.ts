import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { liveGroupMembers } from '../../src/durability/servers/process-tree.js';
import type { RunningServer, ServerAdapter } from '../../src/durability/servers/server-adapter.js';
import { getServerAdapter } from '../../src/durability/servers/server-registry.js';
import { pollUntil, requestBehaviour, type BehaviourOutcome } from '../helpers/durability-request.js';
import { CONFORMANCE_VECTORS, ISOLATED_VECTORS, type ConformanceVector, type VectorContext } from '../helpers/durability-vectors.js';

/**
 * One conformance suite for the three behaviour apps: the same vectors run against the Node app
 * (under node-http, express, fastify), the WSGI app (under wsgiref, gunicorn-sync) and the ASGI app
 * (under uvicorn, hypercorn, daphne, gunicorn-uvicorn). `hang`, `crash` and `segfault` get a fresh
 * server each; crash and segfault run only where one process is the app's (node-http, wsgiref, and
 * uvicorn, hypercorn and daphne with their default single process), so its exit status can be checked.
 */
const SERVERS = ['node-http', 'wsgiref', 'express', 'fastify', 'gunicorn-sync', 'uvicorn', 'hypercorn', 'daphne', 'gunicorn-uvicorn'];
const DESTRUCTIVE_ON = ['node-http', 'wsgiref', 'uvicorn', 'hypercorn', 'daphne'];
/** SETTINGS: one worker, so the vectors that follow a `leak` see its memory in the same process. */
const SETTINGS: Record<string, Record<string, number>> = { 'gunicorn-sync': { workers: 1 }, 'gunicorn-uvicorn': { workers: 1 } };

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-conformance-'));
const context: VectorContext = { smallFile: join(dir, 'ten-bytes.txt') };
writeFileSync(context.smallFile, '0123456789');
after(() => rmSync(dir, { recursive: true, force: true }));

function describeOutcome(outcome: BehaviourOutcome): string {
  return JSON.stringify(outcome.kind === 'response' ? { ...outcome, body: outcome.body.slice(0, 80) } : outcome);
}

function checkOutcome(vector: ConformanceVector, outcome: BehaviourOutcome): void {
  const want = vector.expect;
  const shown = describeOutcome(outcome);
  if (want.kind === 'response') {
    assert.equal(outcome.kind, 'response', `expected a whole response, got ${shown}`);
    if (outcome.kind !== 'response') return;
    assert.equal(outcome.status, want.status, `status: ${shown}`);
    if (want.body !== undefined) assert.equal(outcome.body, want.body, `body: ${shown}`);
    if (want.bodyLength !== undefined) assert.equal(outcome.bodyLength, want.bodyLength, `body length: ${shown}`);
    if (want.minMs !== undefined) assert.ok(outcome.ms >= want.minMs, `it took ${outcome.ms.toFixed(0)} ms, expected ≥ ${want.minMs}`);
  } else if (want.kind === 'closed-or-reset') {
    assert.ok(outcome.kind === 'closed' || outcome.kind === 'reset', `expected the connection to end with no response, got ${shown}`);
  } else {
    assert.equal(outcome.kind, want.kind, `expected ${want.kind}, got ${shown}`);
  }
}

/** runnableDuring watches the server's processes for ~300 ms and says whether one was ever runnable (R). */
async function runnableDuring(server: RunningServer): Promise<string[]> {
  const seen: string[] = [];
  await delay(100);
  for (let i = 0; i < 15; i++) {
    for (const pid of (await server.sample()).pids) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        seen.push(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
      } catch {
        // gone
      }
    }
    if (seen.includes('R')) break;
    await delay(20);
  }
  return seen;
}

async function runVector(server: RunningServer, vector: ConformanceVector): Promise<void> {
  const beforeSample = vector.process ? await server.sample() : undefined;
  const request = requestBehaviour(server.url, vector.path(context), vector.timeoutMs ?? 8000);
  const states = vector.busy ? await runnableDuring(server) : [];
  const outcome = await request;
  checkOutcome(vector, outcome);
  if (vector.busy) assert.ok(states.includes('R'), `no server process was runnable during a busy loop: states ${states.join('')}`);
  if (vector.process && beforeSample) {
    const problem = vector.process(beforeSample, await server.sample());
    assert.equal(problem, undefined, problem);
  }
}

for (const name of SERVERS) {
  describe(`behaviour app conformance under ${name}`, { timeout: 60_000 }, () => {
    const adapter: ServerAdapter = getServerAdapter(name);
    let server: RunningServer | undefined;
    let skip: string | undefined;

    before(async () => {
      const availability = await adapter.available();
      if (!availability.ok) {
        if (process.env['CI'] === 'true') assert.fail(`${name} is not available in CI: ${availability.why} (install: ${availability.install})`);
        skip = `${name} is not available here: ${availability.why}; install with: ${availability.install}`;
        return;
      }
      server = await adapter.start({ settings: SETTINGS[name] ?? {} });
    });
    after(async () => {
      await server?.stop();
    });

    for (const vector of CONFORMANCE_VECTORS) {
      it(vector.name, async (t) => {
        if (skip !== undefined || server === undefined) return t.skip(skip);
        await runVector(server, vector);
      });
    }

    for (const vector of ISOLATED_VECTORS) {
      if (vector.exit !== undefined && !DESTRUCTIVE_ON.includes(name)) continue;
      it(vector.name, async (t) => {
          if (skip !== undefined) return t.skip(skip);
        const fresh = await adapter.start({ settings: SETTINGS[name] ?? {} });
        try {
          await runVector(fresh, vector);
          if (vector.exit !== undefined) {
            const gone = await pollUntil(() => fresh.sample(), (sample) => !sample.leaderAlive, 3000, 25);
            assert.equal(gone.leaderAlive, false, 'the server process should have exited');
          }
        } finally {
          const report = await fresh.stop();
          assert.equal(liveGroupMembers(fresh.pid).length, 0);
          if (vector.exit !== undefined) {
            assert.equal(report.alreadyExited, true, `the server should have died: ${JSON.stringify(report)}`);
            if (vector.exit.code !== undefined) assert.equal(report.exitCode, vector.exit.code, JSON.stringify(report));
            if (vector.exit.signal !== undefined) assert.equal(report.signal, vector.exit.signal, JSON.stringify(report));
          }
        }
      });
    }
  });
}
