import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CellRun, resolveMultiTest, resolveSingleTest, startMultiTest } from '../../src/api/durability.js';
import { liveGroupMembers } from '../../src/durability/servers/process-tree.js';
import { parseServerSpec } from '../../src/durability/servers/parse-server-spec.js';
import { durabilityOf } from '../../src/scenarios/durability/durability-figures.js';
import { cellOf, cellText } from '../../src/scenarios/durability/matrix.js';
import { skipOrFail } from '../helpers/skip-or-fail.js';

/**
 * Issue 14, the matrix that tells servers apart, against real servers: a server that dies for good
 * and one that comes back read differently, the failures are counted per cause, `untilFailures` stops
 * at its count, and each unexpected result comes with the server's log around it. Every run is
 * bounded by its request count, short client timeouts and a cell time limit.
 */
const available = async (t: Parameters<typeof skipOrFail>[0], spec: string): Promise<boolean> => {
  const a = await parseServerSpec(spec).adapter.available();
  if (!a.ok) skipOrFail(t, `${spec} is not available: ${a.why}`);
  return a.ok;
};

describe('outages, causes and unexpected results', { timeout: 120_000 }, () => {
  it('crash: node-http reads `Failed; died`, node-cluster:workers=1 `Failed; recovers …ms`', { timeout: 60_000 }, async () => {
    // One worker: each crash leaves none, so node:cluster's primary refuses until the re-fork
    // listens (a deterministic outage). With two, a crash sometimes cost only a few 10 s timeouts
    // (a connection handed to the dying worker) and the cell read `f%: 1.89` in CI.
    const m = await resolveMultiTest({ servers: ['node-http', 'node-cluster:workers=1'], tests: ['crash'], iterations: 200, cellTimeLimit: '30s', seed: 14 });
    const pids: number[] = [];
    const matrix = await startMultiTest(m, { graceMs: 1000, onServer: (s) => pids.push(s.pid) }).done;
    const died = cellOf(matrix, 'node-http', 'crash')!;
    const back = cellOf(matrix, 'node-cluster:workers=1', 'crash')!;
    const shown = (c: typeof died): string => JSON.stringify({ ...c, result: undefined, figures: { ...c.figures, serverStats: undefined, unexpectedList: undefined } });
    assert.equal(cellText(died), 'Failed; died', shown(died));
    assert.match(cellText(back), /^Failed; recovers (\d+ms|\d+\.\ds)$/, shown(back));
    // died: its only process was gone; the failures after it were refusals (nothing listened).
    assert.equal(died.figures!.outages!.state, 'died');
    assert.equal(died.figures!.serverStats!.aliveAtEnd, false);
    assert.equal(died.figures!.causes![0]!.cause, 'refused', shown(died));
    assert.equal(died.figures!.causes!.reduce((s, c) => s + c.count, 0), died.figures!.unexpected);
    // node:cluster's primary closes the port while every worker is dead: refused too, then it comes back.
    const o = back.figures!.outages!;
    assert.equal(o.state, 'recovers', shown(back));
    assert.ok(o.count >= 1 && o.recovered === o.count, shown(back));
    // Bounded by the run: a connection node:cluster lost as its worker died costs a 10 s client timeout.
    assert.ok(o.longestMs! > 0 && o.longestMs! < back.durationMs! + 6000, shown(back));
    assert.ok(back.figures!.causes!.some((c) => c.cause === 'refused'), shown(back));
    assert.equal(back.figures!.causes!.reduce((s, c) => s + c.count, 0), back.figures!.unexpected);
    assert.equal(pids.length, 2);
    for (const pid of pids) assert.deepEqual(liveGroupMembers(pid), [], `processes of group ${pid} left behind`);
  });

  it('untilFailures 3 against node-cluster + crash: exactly 3 unexpected, listed with the "died … re-forking" log line', { timeout: 40_000 }, async (t) => {
    if (!(await available(t, 'node-cluster:workers=2'))) return;
    const cell = resolveSingleTest({ server: 'node-cluster:workers=2', test: 'crash', iterations: 2000, duration: '30s', untilFailures: 3, seed: 3 });
    let pid = 0;
    const outcome = await new CellRun(cell, { graceMs: 1000, onServer: (s) => (pid = s.pid) }).done;
    const r = outcome.result!;
    const f = durabilityOf(r)!;
    assert.equal(r.stopReason, 'failures');
    assert.equal(r.metrics.counters['http_req_failed'], 3);
    assert.ok(r.metrics.counters['http_reqs']! < 2000);
    assert.equal(f.untilFailures, 3);
    const list = f.unexpectedList!;
    assert.equal(list.items.length, 3);
    assert.equal(list.dropped, 0);
    let previous = -1;
    for (const u of list.items) {
      assert.ok(Number.isInteger(u.index) && u.index > previous, JSON.stringify(u));
      previous = u.index;
      assert.ok(u.tMs > 0 && u.tMs < r.durationMs + 1, JSON.stringify(u));
      assert.match(u.behaviour, /^(plain|crash)\(timeout=10\)$/);
      assert.ok(['refused', 'reset', 'timeout'].includes(u.kind), JSON.stringify(u));
      assert.equal(u.status, 0);
    }
    const lines = list.items.flatMap((u) => (u.log ?? []).map((i) => list.log[i]!.text));
    assert.ok(lines.some((l) => /died \(code 1\), re-forking/.test(l)), JSON.stringify(list));
    assert.deepEqual(liveGroupMembers(pid), []);
  });
});
