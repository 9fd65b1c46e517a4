import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunRecord } from '../../bench/bench-report.js';
import { calibrationLine, comparable } from '../../bench/calibration.js';
import { computeRatios, ratioLine, type RatioSpec } from '../../bench/ratios.js';

/** run is one generator run of a round with its req/s and the calibrations around it. */
function run(generator: string, round: number, rps: number, before: number, after = before): RunRecord {
  return { target: 'nginx', generator, round, requests: rps * 10, failed: 0, durationSec: 10, rps, cpuSec: 10, userSec: 5, reqPerCpuSec: rps, reqPerUserSec: 2 * rps, p99Ms: 1, peakRssMiB: 80, serverRequests: rps * 10, targetCpuPct: 90, otherCores: 0, waitedMs: 0, calibrationMs: { before, after }, exitCode: 0, notes: [] };
}

const SPEC: RatioSpec = { target: 'nginx', num: 'gauntlet', den: 'wrk', measure: 'rps', goal: { min: 0.95 } };

test('comparable: two runs are at one machine speed when their four calibrations are within 10 % of each other', () => {
  assert.equal(comparable(run('a', 1, 1, 500, 520), run('b', 1, 1, 510, 545)), true);
  assert.equal(comparable(run('a', 1, 1, 500, 500), run('b', 1, 1, 500, 560)), false, 'the speed changed during the second run');
  assert.equal(comparable(run('a', 1, 1, 630, 640), run('b', 1, 1, 490, 495)), false, 'one in a slow phase, one not');
  assert.equal(comparable(run('a', 1, 1, NaN), run('b', 1, 1, 500)), false, 'a missing calibration proves nothing');
});

test('computeRatios: the verdict counts every round; the steady figure only the rounds at one machine speed', () => {
  const runs = [
    // round 1: both at one speed, 0.96
    run('gauntlet', 1, 96, 500), run('wrk', 1, 100, 505),
    // round 2: gauntlet ran in a slow phase, 0.70
    run('gauntlet', 2, 70, 650), run('wrk', 2, 100, 500),
    // round 3: both at one speed, 0.98
    run('gauntlet', 3, 98, 495), run('wrk', 3, 100, 500),
  ];
  const [f] = computeRatios(runs, [SPEC]);
  assert.deepEqual(f!.rounds, [0.96, 0.7, 0.98]);
  assert.equal(f!.median, 0.96);
  assert.equal(f!.goalMet, true);
  assert.deepEqual(f!.steady.rounds, [0.96, 0.98]);
  assert.equal(f!.steady.median, 0.97);
  assert.equal(ratioLine(f!, false), 'nginx: gauntlet ÷ wrk, req/s: 0.96× (0.70×–0.98× over 3 rounds); goal ≥ 0.95×: met; over the 2 of 3 rounds at one machine speed (calibration within 10 %): 0.97×, 0.96×–0.98×');
  // Every round steady: the line says nothing more.
  const [g] = computeRatios([run('gauntlet', 1, 96, 500), run('wrk', 1, 100, 505)], [SPEC]);
  assert.equal(ratioLine(g!, true), '- nginx: gauntlet ÷ wrk, req/s: **0.96×** (1 round, no spread); goal ≥ 0.95×: met');
  // No round steady: it says so.
  const [h] = computeRatios([run('gauntlet', 1, 70, 650), run('wrk', 1, 100, 500)], [SPEC]);
  assert.match(ratioLine(h!, false), /; no round ran both at one machine speed \(calibration within 10 %\)$/);
});

test('calibrationLine: the median and range of every calibration, and the runs during which the speed changed', () => {
  assert.equal(calibrationLine([run('a', 1, 1, NaN)]), undefined);
  assert.equal(calibrationLine([run('a', 1, 1, 500, 510), run('b', 1, 1, 500, 650), run('c', 2, 1, 480, 490)]), "Machine speed (a fixed workload on the generator's CPU before and after each run): median 500 ms, 480–650 ms; it changed by more than 10 % during 1 of 3 runs.");
});
