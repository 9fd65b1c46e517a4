import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.js';

// A duration without a unit used to be silently seconds (`--think 100` paused 100 s). Now it is a
// usage error naming the flag, with a hint offering the units meant, before anything runs — on the
// command line and in a YAML config alike. Nothing here needs a target.

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-units-'));
writeFileSync(join(dir, 's.ts'), 'export default function () {}\n');
const TESTS = 'tests:\n  - test: ./s.ts\n';
const URL = 'http://127.0.0.1:9/';

/** CASES: arguments (a config's text when the first is `yaml:`), then the exact error and hint lines. */
const CASES: [string[], string, string][] = [
  [['bench', URL, '-d', '10'], 'error: --duration 10 has no unit', 'hint: did you mean 10s?'],
  [['bench', URL, '--timeout', '500'], 'error: --timeout 500 has no unit', 'hint: did you mean 500ms or 500s?'],
  [['bench', URL, '--ramp-up', '5'], 'error: --ramp-up 5 has no unit', 'hint: did you mean 5s?'],
  [['run', join(dir, 's.ts'), '--think', '100'], 'error: --think 100 has no unit', 'hint: did you mean 100ms or 100s?'],
  [['run', join(dir, 's.ts'), '--grace', '2'], 'error: --grace 2 has no unit', 'hint: did you mean 2ms or 2s?'],
  [['run', join(dir, 's.ts'), '--interval', '1'], 'error: --interval 1 has no unit', 'hint: did you mean 1ms or 1s?'],
  [['singletest', '--timeout', '5'], 'error: --timeout 5 has no unit', 'hint: did you mean 5ms or 5s?'],
  [['yaml:', `duration: 10\n${TESTS}`], 'error: units-6.yaml:1:11: duration 10 has no unit', 'hint: did you mean 10s?'],
  [['yaml:', `think-time: 100\n${TESTS}`], 'error: units-7.yaml:1:13: think-time 100 has no unit', 'hint: did you mean 100ms or 100s?'],
];

test(`${CASES.length} durations without a unit: one error naming the flag, one hint with the units, exit 2`, async () => {
  let yaml = 0;
  for (const [args, error, hint] of CASES) {
    let argv = args;
    if (args[0] === 'yaml:') {
      const file = join(dir, `units-${6 + yaml++}.yaml`);
      writeFileSync(file, args[1]!);
      argv = ['run', file];
    }
    const r = await runCli(argv, 30_000);
    assert.equal(r.code, 2, `${argv.join(' ')}: exit ${r.code}\n${r.stderr}`);
    const lines = r.stderr.trimEnd().split('\n');
    assert.deepEqual([lines[0]!.replace(/^error: \S*\/(units-)/, 'error: $1'), lines[1]], [error, hint], argv.join(' '));
    assert.equal(lines.length, 2, r.stderr);
    assert.equal(r.stdout, '', 'nothing ran');
  }
});

test('0 needs no unit, and a duration with one still runs', async () => {
  const r = await runCli(['run', join(dir, 's.ts'), '--think', '0', '-u', '1', '-i', '3', '-w', '1', '-q'], 30_000);
  assert.equal(r.code, 0, r.stderr);
  const s = await runCli(['run', join(dir, 's.ts'), '--think', '1ms', '-u', '1', '-i', '3', '-w', '1', '-q'], 30_000);
  assert.equal(s.code, 0, s.stderr);
});
