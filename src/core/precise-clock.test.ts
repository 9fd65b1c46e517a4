import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import test from 'node:test';
import { PreciseClock, PRECISE_MIN_MS } from './precise-clock.js';

/** waitFor polls `cond` every 5 ms for up to 10 s (a busy machine may be slow; never a fixed sleep as proof). */
async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
}

test('PreciseClock: precise timers fire in time order, never before their time, and a cancelled one never fires', async () => {
  const clock = new PreciseClock();
  await clock.ready;
  try {
    const fired: { name: string; due: number; late: number }[] = [];
    const at = (name: string, ms: number) => {
      const due = clock.now() + ms;
      return clock.setTimer(() => fired.push({ name, due, late: clock.now() - due }), ms, true);
    };
    at('c', 30);
    at('a', 10);
    const cancelB = at('b', 20);
    at('d', 40);
    cancelB();
    // One set from inside a callback, earlier than what is pending.
    clock.setTimer(() => at('e', 2), 5, true);
    await waitFor(() => fired.length === 4);
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(fired.map((f) => f.name).sort(), ['a', 'c', 'd', 'e']);
    assert.deepEqual(fired.map((f) => f.name).filter((n) => n !== 'e'), ['a', 'c', 'd']);
    for (let i = 1; i < fired.length; i++) assert.ok(fired[i]!.due >= fired[i - 1]!.due, `in time order: ${JSON.stringify(fired)}`);
    for (const f of fired) assert.ok(f.late >= 0, `${f.name} fired ${-f.late} ms early`);
  } finally {
    clock.close();
  }
});

test('PreciseClock: a wait under PRECISE_MIN_MS and a timer not asked to be precise go to Node\'s timers, and still fire', async () => {
  const clock = new PreciseClock();
  try {
    const fired: string[] = [];
    clock.setTimer(() => fired.push('short'), PRECISE_MIN_MS / 2, true);
    clock.setTimer(() => fired.push('plain'), 3);
    await waitFor(() => fired.length === 2);
    assert.deepEqual(fired.sort(), ['plain', 'short']);
  } finally {
    clock.close();
  }
});

test('PreciseClock: a pending precise timer keeps the process alive, a cancelled one or close() does not', () => {
  const mod = fileURLToPath(new URL('./precise-clock.js', import.meta.url));
  const run = (body: string) => spawnSync(process.execPath, ['--input-type=module', '-e', `import { PreciseClock } from ${JSON.stringify(mod)};\nconst c = new PreciseClock();\n${body}`], { encoding: 'utf8', timeout: 20_000 });
  const kept = run(`c.setTimer(() => { console.log('fired'); c.close(); }, 50, true);`);
  assert.equal(kept.status, 0, kept.stderr);
  assert.equal(kept.stdout.trim(), 'fired', 'the process waited for the timer');
  const cancelled = run(`const cancel = c.setTimer(() => console.log('fired'), 60_000, true); cancel();`);
  assert.equal(cancelled.status, 0, cancelled.stderr);
  assert.equal(cancelled.stdout.trim(), '', 'it exited at once, without firing (the spawn times out at 20 s otherwise)');
  const closed = run(`c.setTimer(() => console.log('fired'), 60_000, true); c.close();`);
  assert.equal(closed.status, 0, closed.stderr);
  assert.equal(closed.stdout.trim(), '');
});
