import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { GauntletError } from '../core/errors.js';
import { OutputFile, outputFailure, outputFailureHint, type OutputFailure } from './output-file.js';
import { WholeOutputFile } from './whole-output-file.js';

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-outfile-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** smallDisk mounts a tmpfs of `size` in a new folder (skips the test when not allowed, fails on CI). */
function smallDisk(t: TestContext, size: string): string | undefined {
  const at = mkdtempSync(join(dir, 'tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', at], { stdio: 'pipe' });
  } catch {
    if (process.env['CI'] === 'true') assert.fail('cannot mount a tmpfs (needs root or CAP_SYS_ADMIN); CI must run this test');
    t.skip('cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)');
    return undefined;
  }
  t.after(() => execFileSync('umount', [at], { stdio: 'pipe' }));
  return at;
}

const row = (i: number) => `${String(i).padStart(8, '0')},${'x'.repeat(50)}\n`;

test('OutputFile writes whole units and closes', () => {
  const p = join(dir, 'ok.csv');
  const f = new OutputFile(p, '--csv');
  assert.equal(f.write('a,b\n'), true);
  assert.equal(f.write('1,2\n3,4\n'), true);
  f.close();
  f.close();
  assert.equal(readFileSync(p, 'utf8'), 'a,b\n1,2\n3,4\n');
  assert.equal(f.failure, undefined);
});

test('OutputFile on a path that cannot be opened is a usage error before anything runs', () => {
  assert.throws(() => new OutputFile(join(dir, 'missing', 'x.csv'), '--csv'), (e: unknown) => e instanceof GauntletError && e.exitCode === 2 && /--csv: cannot write/.test(e.message));
});

test('OutputFile on /dev/full fails once, is not thrown, and drops later writes', () => {
  const heard: OutputFailure[] = [];
  const f = new OutputFile('/dev/full', '--csv', { onFailure: (x) => heard.push(x) });
  assert.equal(f.write('a,b\n'), false);
  assert.equal(f.write('1,2\n'), false);
  f.close();
  assert.equal(heard.length, 1);
  assert.deepEqual(heard[0], { flag: '--csv', path: '/dev/full', code: 'ENOSPC', reason: 'no space left on device', left: 'rows' });
  assert.deepEqual(f.failure, heard[0]);
});

test('OutputFile on a disk that fills ends at the last whole unit, with a newline', (t) => {
  const at = smallDisk(t, '16k');
  if (at === undefined) return;
  const p = join(at, 'x.csv');
  const heard: OutputFailure[] = [];
  const f = new OutputFile(p, '--csv', { onFailure: (x) => heard.push(x) });
  let ok = 0;
  // Units of 7 rows (413 bytes) do not divide the page size: the failing write is a partial one.
  for (let i = 0; i < 1000 && f.write(Array.from({ length: 7 }, (_, k) => row(i * 7 + k)).join('')); i++) ok++;
  f.close();
  assert.ok(ok > 0 && ok < 1000, `units written: ${ok}`);
  assert.equal(heard.length, 1);
  assert.equal(heard[0]!.code, 'ENOSPC');
  const text = readFileSync(p, 'utf8');
  assert.equal(text.length, ok * 7 * row(0).length, 'the file holds exactly the whole units written');
  assert.ok(text.endsWith('\n'));
});

test('WholeOutputFile writes through a temporary file and renames it over the path', () => {
  const sub = join(dir, 'whole');
  mkdirSync(sub);
  const p = join(sub, 'r.json');
  writeFileSync(p, 'old');
  const f = new WholeOutputFile(p, '--json');
  assert.equal(readFileSync(p, 'utf8'), 'old', 'the old file stays until the new one is whole');
  assert.equal(readdirSync(sub).length, 2);
  assert.equal(f.writeWhole('{"new":true}\n'), true);
  assert.equal(readFileSync(p, 'utf8'), '{"new":true}\n');
  assert.deepEqual(readdirSync(sub), ['r.json']);
});

test('WholeOutputFile discarded (a run that did not start) leaves nothing behind', () => {
  const sub = join(dir, 'discard');
  mkdirSync(sub);
  const f = new WholeOutputFile(join(sub, 'r.json'), '--json');
  f.discard();
  assert.deepEqual(readdirSync(sub), []);
});

test('WholeOutputFile on a directory or a missing folder is a usage error up front', () => {
  assert.throws(() => new WholeOutputFile(dir, '--json'), (e: unknown) => e instanceof GauntletError && e.exitCode === 2 && /EISDIR/.test(e.message));
  assert.throws(() => new WholeOutputFile(join(dir, 'missing', 'r.json'), '--html'), (e: unknown) => e instanceof GauntletError && /--html: cannot write/.test(e.message));
});

test('WholeOutputFile on /dev/full writes the device directly and reports ENOSPC once, not thrown', () => {
  const heard: OutputFailure[] = [];
  const f = new WholeOutputFile('/dev/full', '--json', { onFailure: (x) => heard.push(x) });
  assert.equal(f.writeWhole('{}\n'), false);
  assert.equal(f.writeWhole('{}\n'), false);
  assert.equal(heard.length, 1);
  assert.deepEqual(heard[0], { flag: '--json', path: '/dev/full', code: 'ENOSPC', reason: 'no space left on device', left: 'nothing' });
});

test('WholeOutputFile on a disk too small leaves no partial file and the old one untouched', (t) => {
  const at = smallDisk(t, '16k');
  if (at === undefined) return;
  const p = join(at, 'r.json');
  writeFileSync(p, 'old');
  const heard: OutputFailure[] = [];
  const f = new WholeOutputFile(p, '--json', { onFailure: (x) => heard.push(x) });
  assert.equal(f.writeWhole('x'.repeat(200_000)), false);
  assert.equal(heard.length, 1);
  assert.equal(heard[0]!.code, 'ENOSPC');
  assert.equal(readFileSync(p, 'utf8'), 'old');
  assert.deepEqual(readdirSync(at), ['r.json']);
});

test('outputFailure names unknown errors from their message; the hint fits the error', () => {
  const odd = outputFailure('--csv', 'x.csv', Object.assign(new Error('EWEIRD: something odd, write'), { code: 'EWEIRD' }), 'rows');
  assert.equal(odd.reason, 'something odd');
  assert.match(outputFailureHint(odd), /choose another place for --csv/);
  assert.match(outputFailureHint({ ...odd, code: 'ENOSPC' }), /^free some space on that device or choose another place for --csv$/);
});
