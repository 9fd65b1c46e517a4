import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startCountingTarget } from '../helpers/counting-target.js';
import { runCli } from '../helpers/cli.js';

// In-flight work after the end is bounded by --grace, and what the grace cut is counted as
// `aborted` without its partial time in any latency trend.

test('bench -d 1s --grace 1s against a 9 s endpoint ends before the answer; the cut requests are aborted, not timed', { timeout: 60_000 }, async () => {
  let answered = 0;
  const target = await startCountingTarget({
    handler: (_req, res) => {
      setTimeout(() => {
        answered++;
        res.end('ok');
      }, 9000).unref();
    },
  });
  try {
    const json = join(mkdtempSync(join(tmpdir(), 'gauntlet-grace-')), 'r.json');
    const started = performance.now();
    const r = await runCli(['bench', `${target.url}/delay/9000`, '-d', '1s', '--grace', '1s', '-c', '2', '-w', '1', '-q', '--json', json], 30_000);
    const elapsed = performance.now() - started;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(answered, 0, 'the CLI exited while the target still held every request open');
    assert.ok(elapsed < 8000, `the CLI took ${elapsed.toFixed(0)} ms`);
    const result = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(result.metrics.counters['http_req_failed{kind:aborted}'], target.requests, 'every request in flight at the end of the grace is counted as aborted');
    assert.equal(result.metrics.counters['http_reqs'], target.requests);
    assert.equal(result.summary['http_req_duration']?.count ?? 0, 0, 'no partial time in http_req_duration');
    assert.match(r.stdout, /aborted\s+2\b/);
  } finally {
    await target.close();
  }
});
