import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-until-failures-'));

describe('--until-failures', { timeout: 90_000 }, () => {
  it('singletest stops node-http + crash after exactly 3 unexpected results, says so and lists them', async () => {
    const json = join(dir, 'run.json');
    const r = await runCli(['singletest', '-s', 'node-http', '-t', 'crash', '-i', '500', '--seed', '5', '--until-failures', '3', '--json', json, '-q'], 40_000);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(result.stopReason, 'failures');
    assert.equal(result.metrics.counters['http_req_failed'], 3);
    assert.ok(result.metrics.counters['http_reqs'] < 500);
    const f = result.sections.durability;
    assert.equal(f.untilFailures, 3);
    assert.equal(f.unexpectedList.items.length, 3);
    // Refused once the process is gone; a request that met it while it was exiting may be reset or closed.
    assert.equal(f.causes.reduce((s: number, c: { count: number }) => s + c.count, 0), 3);
    assert.ok(f.causes.every((c: { cause: string }) => ['refused', 'reset', 'closed'].includes(c.cause)), JSON.stringify(f.causes));
    assert.equal(f.outages.state, 'died');
    assert.match(r.stdout, /^Stopped after 3 unexpected result\(s\) \(--until-failures 3\)\.$/m);
    assert.match(r.stdout, /^Failure causes: (refused \(nothing listened: the server was down\)|reset|closed before)/m);
    assert.match(r.stdout, /^Unexpected results \(the first 3 of 3; the JSON has them all\):$/m);
    assert.equal(r.stdout.match(/^ {2}#\d+ at [\d.]+(ms|µs|s): (plain|crash)\(timeout=10\) → (refused|reset), status -, after /gm)?.length ?? 0, 3, r.stdout);
  });

  it('basic and multitest take it too; a bad count is a usage error', async () => {
    const json = join(dir, 'matrix.json');
    const m = await runCli(['multitest', '-s', 'node-http', '-t', 'crash', '-i', '300', '--until-failures', '2', '--json', json, '-q'], 40_000);
    assert.equal(m.code, 0, m.stderr);
    // Labour's form or `Failed; died`, as the share of unexpected results of the requests sent says.
    assert.match(m.stdout, /^\| node-http \| (Failed; died|f%: \d+\.\d\d; RPS: \d+\.\d\d) \(stopped at 2 unexpected\) \|$/m);
    const cell = JSON.parse(readFileSync(json, 'utf8')).cells[0];
    assert.equal(cell.status, 'failures');
    assert.equal(cell.figures.unexpected, 2);
    const b = await runCli(['basic', '--until-failures', '0']);
    assert.equal(b.code, 2);
    assert.deepEqual(
      b.stderr.trim().split('\n').map((l) => l.split(':')[0]),
      ['error', 'hint'],
    );
    assert.match(b.stderr, /--until-failures must be a whole number >= 1, got '0'/);
  });
});
