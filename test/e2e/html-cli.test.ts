import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startCountingTarget, type CountingTarget } from '../helpers/counting-target.js';
import { runCli } from '../helpers/cli.js';

let target: CountingTarget;
const dir = mkdtempSync(join(tmpdir(), 'gauntlet-e2e-html-'));
before(async () => {
  target = await startCountingTarget();
});
after(() => target.close());

test('bench --html writes a self-contained page; report --format html renders the same from --json', async () => {
  const html = join(dir, 'out.html');
  const json = join(dir, 'r.json');
  const r = await runCli(['bench', target.url, '-n', '200', '-c', '4', '-w', '2', '-q', '--html', html, '--json', json]);
  assert.equal(r.code, 0, r.stderr);
  const page = readFileSync(html, 'utf8');
  assert.match(page, /^<!DOCTYPE html>/);
  assert.match(page, /<script type="application\/json" id="gauntlet-data">/);
  assert.match(page, /Test of 200 requests complete in/);
  assert.match(page, /200 requests \(100\.00%\) returned OK/);
  const again = await runCli(['report', json, '--format', 'html']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, page);
});

test('a bad --html path is a usage error before the run; report rejects an unknown format', async () => {
  const before = target.requests;
  const r = await runCli(['bench', target.url, '-n', '10', '-q', '--html', join(dir, 'missing', 'x.html')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--html: cannot write/);
  assert.equal(target.requests, before);
  const json = join(dir, 'bad.json');
  writeFileSync(json, JSON.stringify({ format: 'gauntlet.run', version: 1 }));
  const bad = await runCli(['report', json, '--format', 'pdf']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /summary, timeseries or html/);
  assert.ok(!existsSync(join(dir, 'missing')));
});
