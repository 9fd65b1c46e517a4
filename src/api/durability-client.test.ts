import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GauntletError } from '../core/errors.js';
import type { RunResult } from '../metrics/run-result.js';
import { behaviours } from '../durability/behaviours.js';
import { DurabilityClient, renderPlain } from './durability-client.js';
import type { DurabilityScenarioSpec } from '../scenarios/durability/durability-scenario.js';
import { policies } from '../durability/policies.js';

function result(counters: Record<string, number>, durationMs = 2000): RunResult {
  return {
    format: 'gauntlet.run',
    version: 2,
    label: 'x',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs,
    stopReason: 'completed',
    model: 'closed',
    workers: 1,
    intervalMs: 1000,
    metrics: { counters, trends: {} },
    summary: {},
    intervals: [],
    errors: [],
  };
}

describe('renderPlain', () => {
  it("prints Labour's two lines, and no breakdown when all went as expected", () => {
    assert.equal(
      renderPlain(result({ http_reqs: 512 }, 3030)),
      'Test of 512 requests complete in 3.03 seconds (168.98 req/s).\n512 requests (100.00%) returned OK and 0 (0.00%) failed.\n',
    );
  });

  it('breaks failures down by kind, as a share of the failures', () => {
    const text = renderPlain(result({ http_reqs: 100, http_req_failed: 4, 'http_req_failed{kind:refused}': 3, 'http_req_failed{kind:timeout}': 1 }));
    assert.match(text, /^96 requests \(96\.00%\) returned OK and 4 \(4\.00%\) failed\.$/m);
    assert.match(text, /\nFailure Breakdown:\nCode: timeout\tCount: 1\tPercentage: 25\.00%\nCode: refused\tCount: 3\tPercentage: 75\.00%\n$/);
  });
});

describe('DurabilityClient', () => {
  it("builds a durability plan from Labour's API: the mix, the policy, iterations and parallel", () => {
    const client = new DurabilityClient({ policy: policies.random({ seed: 42 }) });
    client.add(behaviours.plain(), 98).add(behaviours.sleep({ seconds: 0.5 }), 1).add('plain(status=500)', 1);
    const plan = client.plan({ iterations: 512, target: 'http://127.0.0.1:8000/', parallel: 2, workers: 4 });
    const spec = plan.parts[0]!.scenario as DurabilityScenarioSpec;
    assert.equal(spec.kind, 'durability');
    assert.equal(spec.target, 'http://127.0.0.1:8000');
    assert.deepEqual(spec.policy, { kind: 'random', seed: 42 });
    assert.deepEqual(spec.mix.map((m) => [m.label, m.path, m.weight]), [
      ['plain', '/plain', 98],
      ['sleep(seconds=0.5)', '/sleep?seconds=0.5', 1],
      ['plain(status=500)', '/plain?status=500', 1],
    ]);
    assert.deepEqual(spec.mix[2]!.expectation, { kind: 'response', status: 500, bodyBytes: 6 });
    const e = plan.parts[0]!.executor;
    assert.equal(e.kind, 'closed');
    assert.deepEqual(e.kind === 'closed' ? e.steps : [], [{ users: 2, iterations: 512 }]);
    assert.equal(plan.workers, 2, 'never more workers than users');
  });

  it('defaults to 128 requests on one connection, and takes any load model', () => {
    const client = new DurabilityClient({ policy: policies.sequential() }).add('plain');
    const e = client.plan({ target: 'http://127.0.0.1:1' }).parts[0]!.executor;
    assert.deepEqual(e.kind === 'closed' ? e.steps : [], [{ users: 1, iterations: 128 }]);
    const open = client.plan({ target: 'http://127.0.0.1:1', rate: 50, duration: '2s' }).parts[0]!.executor;
    assert.equal(open.kind, 'open');
    const timed = client.plan({ target: 'http://127.0.0.1:1', duration: '3s', parallel: 4 }).parts[0]!.executor;
    assert.deepEqual(timed.kind === 'closed' ? timed.steps : [], [{ users: 4, durationMs: 3000 }]);
  });

  it('rejects bad input as usage errors', () => {
    const usage = (e: unknown) => e instanceof GauntletError && e.exitCode === 2;
    assert.throws(() => new DurabilityClient().add('plain', 0), usage);
    assert.throws(() => new DurabilityClient().plan({ target: 'http://127.0.0.1:1' }), usage, 'an empty mix');
    assert.throws(() => new DurabilityClient().add('plain').plan({ target: 'ftp://x' }), usage);
    assert.throws(() => new DurabilityClient().add('plain').plan({ target: 'http://127.0.0.1:1', iterations: 5, requests: 6 }), usage);
  });
});
