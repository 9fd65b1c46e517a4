import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunResult } from '../../metrics/run-result.js';
import type { ServerStats } from '../../durability/server-watch.js';
import { outageFigures, type DurabilityFigures } from './durability-figures.js';
import { DURABILITY_METRICS } from './durability-scenario.js';
import { renderDurability } from './render-durability.js';

const trend = (values: number[]) => ({ count: values.length, min: Math.min(...values), max: Math.max(...values), mean: 0, p50: values[0]!, p90: 0, p95: 0, p99: 0, stdev: 0 });

function result(o: { outages: number; ended?: number[]; open?: number; openStart?: number }): RunResult {
  return {
    durationMs: 1000,
    metrics: { counters: { [DURABILITY_METRICS.outages]: o.outages, [DURABILITY_METRICS.openOutages]: o.open ?? 0 }, trends: {}, gauges: {} },
    summary: {
      ...(o.ended !== undefined ? { [DURABILITY_METRICS.outageTime]: trend(o.ended) } : {}),
      ...(o.openStart !== undefined ? { [DURABILITY_METRICS.openOutageStart]: trend([o.openStart]) } : {}),
    },
  } as unknown as RunResult;
}

const stats = (alive: boolean) => ({ aliveAtEnd: alive }) as ServerStats;

describe('outage figures', () => {
  it('recovers when every streak ended, and the longest is the worst', () => {
    const o = outageFigures(result({ outages: 3, ended: [12, 40, 20] }), stats(true), undefined);
    assert.deepEqual(o, { state: 'recovers', count: 3, recovered: 3, p50Ms: 12, longestMs: 40, openAtEnd: false });
  });

  it('a run that ended inside a streak: the probe ends it, or the server died', () => {
    const answered = outageFigures(result({ outages: 2, ended: [30], open: 1, openStart: 800 }), stats(true), { answered: true, atMs: 1500 });
    assert.equal(answered.state, 'recovers');
    assert.equal(answered.longestMs, 700);
    assert.equal(answered.recovered, 2);
    assert.deepEqual(answered.probe, { answered: true, afterMs: 500 });
    assert.equal(outageFigures(result({ outages: 1, open: 1, openStart: 50 }), stats(false), undefined).state, 'died');
    assert.equal(outageFigures(result({ outages: 1, open: 1, openStart: 50 }), stats(true), { answered: false, atMs: 6000, lastKind: 'refused' }).state, 'died');
    assert.equal(outageFigures(result({ outages: 1, open: 1, openStart: 50 }), stats(true), { answered: false, atMs: 6000, lastKind: 'timeout' }).state, 'not-recovered');
    assert.equal(outageFigures(result({ outages: 0 }), stats(true), undefined).state, 'none');
  });

  it('renders the causes, the outages and the stop at --until-failures', () => {
    const f: DurabilityFigures = {
      server: 'node-http',
      target: 'http://127.0.0.1:1',
      policy: { kind: 'random', seed: 7 },
      behaviours: [{ label: 'plain', weight: 95, requests: 20, unexpected: 3 }],
      requests: 20,
      unexpected: 3,
      unexpectedPercent: 15,
      requestsPerSecond: 100,
      collateralFailures: 3,
      crashes: 0,
      unrecoveredCrashes: 0,
      firstUnexpectedMs: 50,
      causes: [
        { cause: 'refused', count: 2 },
        { cause: 'cut', count: 1 },
      ],
      outages: { state: 'died', count: 1, recovered: 0, openAtEnd: true, probe: { answered: false, afterMs: 5000, lastKind: 'refused' } },
      untilFailures: 3,
      unexpectedList: { collected: true, cap: 1, dropped: 2, items: [{ index: 4, worker: 0, tMs: 50, sentMs: 49, behaviour: 'plain', kind: 'refused', cause: 'refused', status: 0, ms: 1 }], log: [] },
    };
    const text = renderDurability(f);
    assert.ok(
      text.includes(
        [
          'First unexpected failure: after 50.0ms',
          'Failure causes: refused (nothing listened: the server was down) 2, closed mid-response 1',
          'Outages: 1 (failure streaks); died: no success after the last failure, refused to the end of the probe',
          'Stopped after 3 unexpected result(s) (--until-failures 3).',
          'Policy: random (seed 7)',
          '',
          'Unexpected results (the first 1 of 3; the JSON has the first 1, and counts the other 2):',
          '  #4 at 50.0ms: plain → refused, status -, after 1.00ms',
        ].join('\n'),
      ),
      text,
    );
  });
});
