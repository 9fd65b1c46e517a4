import assert from 'node:assert/strict';
import { it } from 'node:test';
import { LOG_RING_LINES, LogLineRing } from './launch-server.js';

it('LogLineRing splits each pipe into lines across chunks, stamps them and keeps the last ones', () => {
  const ring = new LogLineRing();
  const out = ring.stream();
  const err = ring.stream();
  const before = performance.now();
  out(Buffer.from('first li'));
  err(Buffer.from('an error\r\n\n'));
  out(Buffer.from('ne\nsecond\nthird (no newline yet)'));
  assert.deepEqual(
    ring.lines().map((l) => l.text),
    ['an error', 'first line', 'second'],
  );
  for (const l of ring.lines()) assert.ok(l.atMs >= before && l.atMs <= performance.now());
  for (let i = 0; i < LOG_RING_LINES + 10; i++) out(Buffer.from(`line ${i}\n`));
  const kept = ring.lines();
  assert.equal(kept.length, LOG_RING_LINES);
  assert.equal(kept[kept.length - 1]!.text, `line ${LOG_RING_LINES + 9}`);
  assert.equal(kept[0]!.text, 'line 10'); // 13 lines went before: three, 'third (no newline yet)line 0', line 1 … line 9
});
