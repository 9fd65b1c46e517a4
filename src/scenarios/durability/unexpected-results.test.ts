import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildUnexpectedList, LOG_LINES_PER_RESULT, notCollected, renderUnexpectedList, type UnexpectedResult } from './unexpected-results.js';

const r = (index: number, tMs: number, over: Partial<UnexpectedResult> = {}): UnexpectedResult => ({
  index,
  worker: 0,
  tMs,
  sentMs: tMs - 1,
  behaviour: 'plain(timeout=10)',
  kind: 'refused',
  cause: 'refused',
  status: 0,
  ms: 1,
  ...over,
});

describe('unexpected results', () => {
  it('merges the workers in time order, keeps up to the cap and counts the rest', () => {
    const list = buildUnexpectedList([[r(0, 30), r(1, 10, { worker: 0 })], [r(0, 20, { worker: 1 })]], 5, [], 0, 2);
    assert.deepEqual(
      list.items.map((x) => [x.worker, x.index]),
      [
        [0, 1],
        [1, 0],
      ],
    );
    assert.equal(list.dropped, 3);
    assert.equal(list.cap, 2);
    assert.equal(list.collected, true);
  });

  it("gives each result the server's log lines within ±1 s, the nearest few, each line kept once", () => {
    const t0 = 1000;
    const lines = [
      { atMs: t0 - 5000, text: 'serving' },
      { atMs: t0 + 95, text: 'worker 1 died (code 1), re-forking (restart 1)' },
      { atMs: t0 + 99, text: 'a' },
      { atMs: t0 + 101, text: 'b' },
      { atMs: t0 + 102, text: 'c' },
      { atMs: t0 + 103, text: 'd' },
      { atMs: t0 + 900, text: 'worker 2 listening' },
    ];
    const list = buildUnexpectedList([[r(7, 100), r(8, 1850)]], 2, lines, t0);
    const first = list.items[0]!;
    assert.equal(first.log!.length, LOG_LINES_PER_RESULT);
    assert.deepEqual(
      first.log!.map((i) => list.log[i]!.text),
      ['a', 'b', 'c', 'd'],
    );
    // 1850 ms: only the line at 900 ms is within a second.
    assert.deepEqual(
      list.items[1]!.log!.map((i) => list.log[i]!.text),
      ['worker 2 listening'],
    );
    assert.equal(list.log.length, 5);
    assert.deepEqual(
      list.log.map((l) => l.tMs),
      [99, 101, 102, 103, 900],
    );
    assert.equal(buildUnexpectedList([[r(0, 10_000)]], 1, lines, t0).items[0]!.log, undefined);
  });

  it('renders the first results with the log lines under the first result near them', () => {
    const lines = [
      { atMs: 80, text: 'node-cluster: worker 41 died (code 1), re-forking (restart 1)' },
      { atMs: 300, text: 'node-cluster: pid 42 serving http://127.0.0.1:1' },
    ];
    const list = buildUnexpectedList([[r(33, 91.5, { kind: 'reset', cause: 'closed', ms: 7.5 }), r(34, 93, { ms: 0.5 })]], 4, lines, 0);
    assert.equal(
      renderUnexpectedList(list, 4, 20),
      [
        'Unexpected results (the first 2 of 4; the JSON has the first 2, and counts the other 2):',
        '  #33 at 91.5ms: plain(timeout=10) → reset (closed), status -, after 7.50ms',
        '      server log +80.0ms: node-cluster: worker 41 died (code 1), re-forking (restart 1)',
        '      server log +300ms: node-cluster: pid 42 serving http://127.0.0.1:1',
        '  #34 at 93.0ms: plain(timeout=10) → refused, status -, after 500µs',
        '  … 2 more',
        '',
      ].join('\n'),
    );
    assert.equal(renderUnexpectedList(list, 0), '');
    assert.match(renderUnexpectedList(notCollected(3), 3), /not listed \(the requests went out from agents/);
    assert.match(renderUnexpectedList(list, 2, 1), /^Unexpected results \(the first 1 of 2; the JSON has them all\):$/m);
  });
});
