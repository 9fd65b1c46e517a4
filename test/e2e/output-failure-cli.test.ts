import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { startCountingTarget, type CountingTarget } from '../helpers/counting-target.js';

// Outputs fail safe: a file that cannot be written is reported once (error + hint, no stack), the run
// and the other outputs go on, the summary is printed and says which output failed, exit 1.

let target: CountingTarget;
const dir = mkdtempSync(join(tmpdir(), 'gauntlet-outfail-'));
before(async () => {
  target = await startCountingTarget();
});
after(async () => {
  await target.close();
  rmSync(dir, { recursive: true, force: true });
});

/** errorLines are stderr's error/hint lines (progress is off with -q, so there should be nothing else). */
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => /^(error|hint): /.test(l));

test('--json /dev/full on a completed run prints the summary, one error and hint line, no stack, exit 1', async () => {
  const before = target.requests;
  const r = await runCli(['bench', target.url, '-c', '2', '-n', '200', '-w', '1', '-q', '--json', '/dev/full'], 60_000);
  assert.equal(target.requests - before, 200);
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^Test of 200 requests complete in /m);
  assert.match(r.stdout, /^Output failed: --json \/dev\/full: no space left on device \(ENOSPC\)/m);
  assert.deepEqual(errorLines(r.stderr).map((l) => l.slice(0, 6)), ['error:', 'hint: ']);
  assert.equal(errorLines(r.stderr)[0], 'error: --json: cannot write /dev/full: no space left on device (ENOSPC)');
  assert.match(errorLines(r.stderr)[1]!, /free .*space.*or choose another place/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.equal(r.stderr.trimEnd().split('\n').length, 2, r.stderr);
});

test('a JSON is written whole through a temporary file that is gone after the rename', async () => {
  // A regular path in a folder that exists: written whole through a temporary file and a rename.
  const sub = join(dir, 'whole');
  mkdirSync(sub);
  const json = join(sub, 'r.json');
  const r = await runCli(['bench', target.url, '-c', '2', '-n', '50', '-w', '1', '-q', '--json', json], 60_000);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(readFileSync(json, 'utf8')).metrics.counters.http_reqs, 50);
  assert.deepEqual(readdirSync(sub), ['r.json']);
});

/** mountTmpfs mounts a small tmpfs on dir; false when this machine does not allow it. */
function mountTmpfs(at: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', at], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

test('a disk that fills mid-run: the CSV ends at a whole row, the JSON elsewhere is whole, summary printed, exit 1', async (t) => {
  const small = join(dir, 'small');
  const other = join(dir, 'other');
  mkdirSync(small);
  mkdirSync(other);
  // Workers hand over at most 4096 rows (~185 KB of CSV) at a time: 512 KB holds a few batches, not all.
  if (!mountTmpfs(small, '512k')) {
    if (process.env['CI'] === 'true') assert.fail('cannot mount a tmpfs (mount -t tmpfs needs root or CAP_SYS_ADMIN); CI must run this test');
    t.skip('cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)');
    return;
  }
  t.after(() => execFileSync('umount', [small], { stdio: 'pipe' }));
  const csv = join(small, 'x.csv');
  const json = join(other, 'x.json');
  const before = target.requests;
  // 40000 rows of ~45 bytes are ~1.8 MB: far more than 512 KB.
  const r = await runCli(['bench', target.url, '-c', '4', '-n', '40000', '-w', '2', '-q', '--csv', csv, '--json', json], 120_000);
  const sent = target.requests - before;
  assert.equal(sent, 40000);
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^Test of 40000 requests complete in /m);
  assert.match(r.stdout, /^Output failed: --csv .*x\.csv: no space left on device \(ENOSPC\)/m);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  const errors = errorLines(r.stderr);
  assert.deepEqual(errors.map((l) => l.slice(0, 6)), ['error:', 'hint: '], r.stderr);
  assert.equal(errors[0], `error: --csv: cannot write ${csv}: no space left on device (ENOSPC)`);
  const text = readFileSync(csv, 'utf8');
  assert.ok(text.endsWith('\n'), 'the CSV ends with a newline');
  const lines = text.slice(0, -1).split('\n');
  assert.ok(lines.length > 1 && lines.length < 40001, `rows: ${lines.length - 1}`);
  for (const l of lines) assert.equal(l.split(',').length, 7, `a cut row: ${JSON.stringify(l)}`);
  const result = JSON.parse(readFileSync(json, 'utf8'));
  assert.equal(result.metrics.counters.http_reqs, sent);
  assert.ok(existsSync(csv));
});
