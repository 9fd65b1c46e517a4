import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DurabilityFigures } from './durability-figures.js';
import { matrixGrid } from './matrix-page.js';
import { cellText, MATRIX_CSV_HEADER, renderMatrix, renderMatrixCsv, renderTable, type Matrix, type MatrixCell } from './matrix.js';

function figures(over: Partial<DurabilityFigures> = {}): DurabilityFigures {
  return {
    target: 'http://127.0.0.1:1',
    policy: { kind: 'random', seed: 1 },
    behaviours: [],
    requests: 100,
    unexpected: 0,
    unexpectedPercent: 0,
    requestsPerSecond: 168.854,
    collateralFailures: 0,
    crashes: 0,
    unrecoveredCrashes: 0,
    ...over,
  };
}

const cell = (server: string, test: string, f?: DurabilityFigures, status: MatrixCell['status'] = 'completed'): MatrixCell => ({
  server,
  test,
  status,
  ...(f ? { figures: f } : {}),
});

describe('matrix', () => {
  it("writes cells as Labour did, Failed above 10 % unexpected", () => {
    assert.equal(cellText(cell('a', 't', figures())), 'f%: 0.00; RPS: 168.85');
    assert.equal(cellText(cell('a', 't', figures({ unexpected: 10, unexpectedPercent: 10 }))), 'f%: 10.00; RPS: 168.85');
    assert.equal(cellText(cell('a', 't', figures({ unexpected: 11, unexpectedPercent: 11 }))), 'Failed');
    assert.equal(cellText(cell('a', 't', undefined, 'server-failed')), 'Failed (server did not start)');
    assert.equal(cellText(cell('a', 't', undefined, 'not-run')), '-');
    assert.equal(cellText(cell('a', 't', figures(), 'interrupted')), 'f%: 0.00; RPS: 168.85 (interrupted)');
  });

  it('says plainly when a crash was still unrecovered as the run ended', () => {
    const f = figures({ crashes: 6, unrecoveredCrashes: 1, recovery: { count: 5, p50Ms: 18, maxMs: 18 } as DurabilityFigures['recovery'] });
    const m: Matrix = { format: 'gauntlet.matrix', version: 1, startedAt: '', servers: ['node-cluster'], tests: ['crash'], stopReason: 'completed', cells: [cell('node-cluster', 'crash', f)] };
    const text = renderMatrix(m);
    assert.match(text, /6; p50 18\.0ms, max 18\.0ms \(1 unrecovered when the run ended\)/);
    assert.doesNotMatch(text, /not at the end/);
  });

  it('marks a cell whose thresholds failed and lists every verdict per cell', () => {
    const verdict = (ok: boolean) => ({ metric: 'http_reqs', expression: 'count>10', actual: ok ? 20 : 5, ok });
    const withResult = (c: MatrixCell, ok: boolean): MatrixCell => ({ ...c, result: { thresholds: [verdict(ok)] } as unknown as MatrixCell['result'] });
    const m: Matrix = {
      format: 'gauntlet.matrix',
      version: 1,
      startedAt: '',
      servers: ['a'],
      tests: ['x', 'y'],
      stopReason: 'completed',
      cells: [withResult(cell('a', 'x', figures()), true), withResult(cell('a', 'y', figures()), false)],
    };
    assert.equal(cellText(m.cells[0]), 'f%: 0.00; RPS: 168.85');
    assert.equal(cellText(m.cells[1]), 'f%: 0.00; RPS: 168.85 (1 threshold(s) failed)');
    assert.equal(cellText({ ...m.cells[1]!, status: 'threshold' }), 'f%: 0.00; RPS: 168.85 (stopped: threshold failed)');
    const text = renderMatrix(m);
    assert.match(text, /PASS {2}a × x: http_reqs count>10 {2}\(actual 20\)/);
    assert.match(text, /FAIL {2}a × y: http_reqs count>10 {2}\(actual 5\)/);
  });

  it('tells a failed server that came back (the longest outage) from one that died', () => {
    const failed = { unexpected: 60, unexpectedPercent: 60 };
    const recovers = figures({ ...failed, outages: { state: 'recovers', count: 3, recovered: 3, p50Ms: 12, longestMs: 20.4, openAtEnd: false } });
    const died = figures({ ...failed, outages: { state: 'died', count: 1, recovered: 0, openAtEnd: true } });
    const stuck = figures({ ...failed, outages: { state: 'not-recovered', count: 1, recovered: 0, openAtEnd: true, probe: { answered: false, afterMs: 5000, lastKind: 'timeout' } } });
    const slow = figures({ ...failed, outages: { state: 'recovers', count: 1, recovered: 1, longestMs: 1234, openAtEnd: true, probe: { answered: true, afterMs: 900 } } });
    assert.equal(cellText(cell('a', 't', recovers)), 'Failed; recovers 20ms');
    assert.equal(cellText(cell('a', 't', died)), 'Failed; died');
    assert.equal(cellText(cell('a', 't', stuck)), 'Failed; not recovered');
    assert.equal(cellText(cell('a', 't', slow)), 'Failed; recovers 1.2s');
    // Labour's form for the rest, outages or not.
    assert.equal(cellText(cell('a', 't', figures({ unexpected: 2, unexpectedPercent: 2, outages: { state: 'recovers', count: 1, recovered: 1, longestMs: 20, openAtEnd: false } }))), 'f%: 2.00; RPS: 168.85');
    assert.equal(cellText(cell('a', 't', figures({ unexpected: 3, unexpectedPercent: 30, untilFailures: 3, outages: { state: 'died', count: 1, recovered: 0, openAtEnd: true } }), 'failures')), 'Failed; died (stopped at 3 unexpected)');
    const m: Matrix = {
      format: 'gauntlet.matrix',
      version: 1,
      startedAt: '',
      servers: ['node-http', 'node-cluster'],
      tests: ['crash'],
      stopReason: 'completed',
      cells: [
        cell('node-http', 'crash', { ...died, causes: [{ cause: 'refused', count: 58 }, { cause: 'closed', count: 2 }] }),
        cell('node-cluster', 'crash', { ...recovers, causes: [{ cause: 'refused', count: 60 }] }),
      ],
    };
    const text = renderMatrix(m);
    assert.match(text, /^\| node-http +\| Failed; died +\|$/m);
    assert.match(text, /^\| node-cluster \| Failed; recovers 20ms \|$/m);
    assert.match(text, /^Failure causes and outages \(an outage: from the first failed request of a streak to the next success\):$/m);
    assert.ok(
      text.includes(
        [
          '  node-http × crash: refused (nothing listened: the server was down) 58, closed before a response 2',
          '    outages: 1 (failure streaks); died: no success after the last failure, its processes were gone',
          '  node-cluster × crash: refused (nothing listened: the server was down) 60',
          '    outages: 3 (failure streaks), all ended; longest 20.4ms, p50 12.0ms',
        ].join('\n'),
      ),
      text,
    );
    // The HTML page: the same cell text, and the outages and causes in the figures table.
    const grid = matrixGrid(m, () => undefined);
    assert.deepEqual(
      grid.cells.map((c) => [c.row, c.text, c.tone]),
      [
        ['node-http', 'Failed; died', 'fail'],
        ['node-cluster', 'Failed; recovers 20ms', 'fail'],
      ],
    );
    const table = grid.tables[0]!;
    assert.deepEqual(table.head.slice(-3), ['outages', 'failure causes', 'RSS slope (soak)']);
    assert.deepEqual(table.rows[1]!.slice(-3, -1), ['3 (failure streaks), all ended; longest 20.4ms, p50 12.0ms', 'refused (nothing listened: the server was down) 60']);
    const csv = renderMatrixCsv(m).trimEnd().split('\n');
    assert.match(csv[1]!, /,died,1,$/);
    assert.match(csv[2]!, /,recovers,3,20\.400$/);
  });

  it('draws a prettytable-style table', () => {
    assert.equal(renderTable(['Server', 'plain'], [['node-http', 'f%: 0.00; RPS: 1.00']]), [
      '+-----------+---------------------+',
      '| Server    | plain               |',
      '+-----------+---------------------+',
      '| node-http | f%: 0.00; RPS: 1.00 |',
      '+-----------+---------------------+',
      '',
    ].join('\n'));
  });

  it('renders the matrix, then the durability figures per cell, and a CSV row per cell', () => {
    const crashed = figures({
      unexpected: 40,
      unexpectedPercent: 40,
      collateralFailures: 38,
      crashes: 2,
      unrecoveredCrashes: 1,
      firstUnexpectedMs: 1520,
      serverStats: { name: 'node-http', samples: 3, rssStartBytes: 1, rssEndBytes: 2, peakRssBytes: 50 * 1024 * 1024, rssGrowthBytes: -1024, cpuSeconds: 0.1, processesStart: 1, processesEnd: 0, restarts: 0, aliveAtEnd: false, series: [] },
    });
    const m: Matrix = {
      format: 'gauntlet.matrix',
      version: 1,
      startedAt: '2026-01-01T00:00:00.000Z',
      servers: ['node-http', 'wsgiref'],
      tests: ['plain', 'crash'],
      stopReason: 'completed',
      cells: [cell('node-http', 'plain', figures()), cell('node-http', 'crash', crashed), cell('wsgiref', 'plain', undefined, 'server-failed'), cell('wsgiref', 'crash', undefined, 'not-run')],
    };
    const text = renderMatrix(m);
    assert.match(text, /^2 test\(s\) against 2 server\(s\) finished\.$/m);
    assert.match(text, /^Report of request failure percent and requests\/sec:$/m);
    assert.match(text, /^\| node-http \| f%: 0\.00; RPS: 168\.85 +\| Failed +\|$/m);
    assert.match(text, /^\| wsgiref +\| Failed \(server did not start\) \| - +\|$/m);
    assert.match(text, /\| node-http \| crash \| 38 +\| 2; never recovered +\| 0 +\| 50\.00 MiB \| -1\.00 KiB +\| after 1\.52s +\|/);
    assert.match(text, /\| wsgiref +\| plain \| - +\| - +\| - +\| - +\| - +\| the server did not start \|/);
    const csv = renderMatrixCsv(m).trimEnd().split('\n');
    assert.equal(csv[0], MATRIX_CSV_HEADER);
    assert.equal(csv.length, 5);
    assert.equal(csv[2], 'node-http,crash,completed,100,40,40,168.854,38,2,,,1,0,52428800,-1024,1520,,,,');
    assert.equal(csv[3], 'wsgiref,plain,server-failed,,,,,,,,,,,,,,,,,');
  });
});
