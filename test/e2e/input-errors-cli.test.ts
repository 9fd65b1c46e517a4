import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, type CliRun } from '../helpers/cli.js';

// Every user mistake in a config.yaml or a flag is ONE `error:` line (a config's names
// config.yaml:LINE:COL, the true position) and ONE `hint:` line, exit 2, no stack trace, before any
// run starts. Nothing here needs a target: each case must fail before the first request.

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-input-errors-'));
writeFileSync(join(dir, 's.ts'), 'export default function () {}\n');
writeFileSync(join(dir, 'rows.csv'), 'a\n1\n');
const TESTS = 'tests:\n  - test: ./s.ts\n';

/** YAML_CASES: name, config text, the expected `line:col`, and a word the message must hold. */
const YAML_CASES: [string, string, string, RegExp][] = [
  ['unknown top-level key', `${TESTS}durration: 5s\n`, '3:1', /unknown key 'durration'/],
  ['unknown key in a test', `${TESTS}    wieght: 2\n`, '3:5', /unknown key 'wieght' in tests\[0\]/],
  ['users not a number', `users: abc\n${TESTS}`, '1:8', /users/],
  ['duration not a duration', `duration: forever\n${TESTS}`, '1:11', /duration 'forever'/],
  ['negative duration', `duration: -5s\n${TESTS}`, '1:11', /duration '-5s'/],
  ['enormous duration with a unit', `duration: 100000000000000000000000h\n${TESTS}`, '1:11', /duration .*too long/],
  ['enormous think-time', `think-time: 100000000000h\n${TESTS}`, '1:13', /think-time .*too long/],
  ['users beyond a number', `users: 1e400\n${TESTS}`, '1:8', /users/],
  ['users out of range', `users: 100000000000000000000000\n${TESTS}`, '1:8', /users .*out of range/],
  ['iterations out of range', `iterations: 1e300\n${TESTS}`, '1:13', /iterations .*out of range/],
  ['negative rate', `rate: -5\n${TESTS}`, '1:7', /rate must be a number > 0/],
  ['zero rate', `rate: 0\n${TESTS}`, '1:7', /rate must be a number > 0/],
  ['cycles with a zero', `cycles: 10:0\n${TESTS}`, '1:9', /cycles/],
  ['tab indentation', `duration: 5s\n\tusers: 3\n${TESTS}`, '2:1', /[Tt]ab/],
  ['mapping items out of line', `${TESTS} users: 3\n`, '3:1', /same column/],
  ['sequence item without a dash', `duration: 5s\ntests:\n  - test: ./s.ts\n   bad: [\n`, '4:1', /Sequence item/],
  ['two YAML documents', `${TESTS}---\nusers: 3\n`, '3:1', /more than one YAML document/],
  ['20,000 nested lists', `tests: ${'['.repeat(20000)}${']'.repeat(20000)}\n`, '1:71', /nested more than 64 levels/],
  ['20,000 nested block lists', `tests:\n  ${'- '.repeat(20000)}x\n`, '2:129', /nested more than 64 levels/],
  ['empty file', '', '1:1', /empty/],
  ['a list where a mapping is expected', '- test: ./s.ts\n', '1:1', /must be a mapping/],
  ['tests is a mapping', 'tests:\n  test: ./s.ts\n', '2:3', /tests must be a list/],
  ['tests is empty', 'tests: []\n', '1:8', /at least 1/],
  ['no tests', 'duration: 5s\n', '1:1', /missing the key 'tests'/],
  ['duplicate key', `duration: 5s\nduration: 6s\n${TESTS}`, '2:1', /duplicate key 'duration'/],
  ['key without a value', `duration:\n${TESTS}`, '1:1', /has no value/],
  ['headers a list', `headers: [a, b]\n${TESTS}`, '1:10', /headers must be a mapping/],
  ['insecure not a boolean', `insecure: yes\n${TESTS}`, '1:11', /true or false/],
  ['target not http', `target: ftp://x\n${TESTS}`, '1:9', /http/],
  ['rate and weight', `${TESTS}    rate: 5\n    weight: 2\n`, '2:5', /both rate and weight/],
  ['stage without a target', `stages:\n  - duration: 5s\n${TESTS}`, '2:5', /missing the key 'target'/],
  ['data mode unknown', `data:\n  file: ./rows.csv\n  mode: shuffle\n${TESTS}`, '3:9', /data.mode/],
  ['script not found', 'tests:\n  - test: ./nope.ts\n', '2:11', /not found/],
  ['bad export name', 'tests:\n  - test: ./s.ts#1abc\n', '2:11', /not an export name/],
  ['bad threshold', `thresholds:\n  http_req_duration: 'p(95) <> 5'\n${TESTS}`, '2:22', /threshold/],
];

/** FLAG_CASES: bad flags of bench and run, each a usage error before anything runs. */
const FLAG_CASES: [string, string[], RegExp][] = [
  ['unknown flag', ['bench', 'http://127.0.0.1:9/', '--nope'], /unknown option '--nope'/],
  ['missing value', ['bench', 'http://127.0.0.1:9/', '-c'], /argument missing/],
  ['-c abc', ['bench', 'http://127.0.0.1:9/', '-c', 'abc'], /--connections/],
  ['-c enormous', ['bench', 'http://127.0.0.1:9/', '-c', '100000000000000000000000'], /--connections must be at most/],
  ['-d -5s', ['bench', 'http://127.0.0.1:9/', '-d', '-5s'], /--duration '-5s'/],
  ['-d enormous', ['bench', 'http://127.0.0.1:9/', '-d', '100000000000000000000h'], /--duration .*too long/],
  ['--rate 0', ['bench', 'http://127.0.0.1:9/', '--rate', '0'], /--rate must be a number > 0/],
  ['--cycles 1:0', ['bench', 'http://127.0.0.1:9/', '--cycles', '1:0'], /--cycles/],
  ['run: unknown flag', ['run', join(dir, 's.ts'), '--nope'], /unknown option '--nope'/],
  ['run: -i abc', ['run', join(dir, 's.ts'), '-i', 'abc'], /--iterations/],
  ['run: --data-mode bogus', ['run', join(dir, 's.ts'), '--data', join(dir, 'rows.csv'), '--data-mode', 'bogus'], /--data-mode 'bogus'/],
  ['run: --think enormous', ['run', join(dir, 's.ts'), '--think', '1000000h'], /--think .*too long/],
];

/** oneErrorOneHint checks the two lines, the exit code and the absence of a stack trace. */
function oneErrorOneHint(name: string, r: CliRun): string {
  assert.equal(r.code, 2, `${name}: exit ${r.code}\n${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 2, `${name}: two lines on stderr:\n${r.stderr}`);
  assert.match(lines[0]!, /^error: \S/, name);
  assert.match(lines[1]!, /^hint: \S/, name);
  assert.doesNotMatch(r.stderr, /^\s+at |Maximum call stack/m, name);
  return lines[0]!;
}

/** inTurns runs the cases two at a time (two cores are shared). */
async function inTurns<T>(cases: T[], one: (c: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < cases.length; i += 2) await Promise.all(cases.slice(i, i + 2).map(one));
}

test(`${YAML_CASES.length} config.yaml mistakes: one error at config.yaml:LINE:COL, one hint, exit 2`, async () => {
  assert.ok(YAML_CASES.length >= 24);
  await inTurns(YAML_CASES, async ([name, text, at, message]) => {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(file, text);
    const r = await runCli(['run', file], 30_000);
    const error = oneErrorOneHint(name, r);
    const base = file.slice(dir.length + 1);
    assert.ok(error.includes(`${base}:${at}: `), `${name}: expected ${base}:${at} in: ${error}`);
    assert.match(error, message, name);
    assert.equal(r.stdout, '', `${name}: nothing ran`);
  });
});

test(`${FLAG_CASES.length} bad flags of bench and run: one error, one hint, exit 2`, async () => {
  await inTurns(FLAG_CASES, async ([name, args, message]) => {
    const r = await runCli(args, 30_000);
    assert.match(oneErrorOneHint(name, r), message, name);
    assert.equal(r.stdout, '', `${name}: nothing ran`);
  });
});
