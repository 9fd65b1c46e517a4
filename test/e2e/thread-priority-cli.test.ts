import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { BACKGROUND_NICE } from '../../src/runner/thread-priority.js';
import { CLI_PATH, spawnCli } from '../helpers/cli.js';
import { startCountingTarget, type CountingTarget } from '../helpers/counting-target.js';

// A process that exists to run load (the CLI) gives the CPU to its threads that keep time: each
// worker thread and, in an open model, its clock thread keep their priority; every other thread
// (the main thread, V8's and libuv's helpers) runs at nice BACKGROUND_NICE (10), so on a busy CPU the kernel runs a
// worker woken for a due arrival before them. A program that embeds Gauntlet keeps its priorities.
// Linux sets nice per thread: these read it per thread from /proc/<pid>/task/<tid>/stat.

let target: CountingTarget;
let dir: string;
before(async () => {
  target = await startCountingTarget();
  dir = mkdtempSync(join(tmpdir(), 'gauntlet-priority-'));
});
after(async () => {
  await target.close();
  rmSync(dir, { recursive: true, force: true });
});

/** niceOf maps each thread of process `pid` to its nice value (field 19 of its stat, after the name in parentheses). */
function niceOf(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
      out.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/**
 * threadsWhile samples the threads of a running child (every 100 ms, at most 15 s) until `enough`
 * holds or it exits; it returns the last sample taken while the child ran.
 */
async function threadsWhile(child: ChildProcess, enough: (nice: Map<number, number>) => boolean): Promise<Map<number, number>> {
  let last = new Map<number, number>();
  for (let i = 0; i < 150 && child.exitCode === null && existsSync(`/proc/${child.pid}/task`); i++) {
    try {
      last = niceOf(child.pid!);
    } catch {
      break;
    }
    if (enough(last)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return last;
}

const base = niceOf(process.pid).get(process.pid)!;
const lowered = (nice: Map<number, number>) => [...nice.values()].filter((n) => n >= BACKGROUND_NICE).length;

test(`the CLI keeps its workers' and their clock threads' priority and lowers every other thread to nice ${BACKGROUND_NICE} (open model, 2 workers; closed model, 1 worker)`, { timeout: 60_000 }, async () => {
  assert.ok(base < BACKGROUND_NICE, `this test runs at nice ${base}: it cannot tell a lowered thread from the others`);
  for (const { args, keep } of [
    { args: ['-r', '50', '-w', '2'], keep: 4 },
    { args: ['-c', '2', '-w', '1'], keep: 1 },
  ]) {
    const run = spawnCli(['bench', target.url, '-d', '4s', '-q', ...args], 30_000);
    // Enough once the workers are up and the rest lowered (then once more: the lowering is a loop).
    let nice = await threadsWhile(run.child, (n) => lowered(n) > 0);
    await new Promise((r) => setTimeout(r, 200));
    if (run.child.exitCode === null) nice = niceOf(run.child.pid!);
    const r = await run.wait;
    assert.equal(r.code, 0, r.stderr);
    const kept = [...nice].filter(([, n]) => n === base).map(([tid]) => tid);
    assert.equal(kept.length, keep, `${args.join(' ')}: threads and their nice values: ${JSON.stringify([...nice])}`);
    assert.ok(!kept.includes(run.child.pid!), 'the main thread is not one of the kept ones');
    assert.equal(nice.get(run.child.pid!), BACKGROUND_NICE, 'the main thread is lowered');
    assert.equal(lowered(nice), nice.size - keep, `every other thread is lowered: ${JSON.stringify([...nice])}`);
  }
});

test('a program that embeds Gauntlet (the library\'s bench) keeps every thread\'s priority', { timeout: 60_000 }, async () => {
  const script = join(dir, 'embed.mjs');
  const index = pathToFileURL(join(CLI_PATH, '..', '..', 'index.js')).href;
  writeFileSync(script, `import { bench } from ${JSON.stringify(index)};
const handle = bench({ url: ${JSON.stringify(target.url)}, rate: 50, duration: '3s', workers: 2 }, { reporters: [{ onStart: () => console.log('started') }] });
const result = await handle.done;
console.log('requests', result.metrics.counters.http_reqs ?? 0);
`);
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  // Sampled once the run started and a second went by: a CLI would have lowered its threads by then.
  await threadsWhile(child, () => stdout.includes('started'));
  await new Promise((r) => setTimeout(r, 1000));
  const nice = child.exitCode === null ? niceOf(child.pid!) : new Map<number, number>();
  const code = await exited;
  clearTimeout(killer);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /requests [1-9]\d*/);
  assert.ok(nice.size > 4, `sampled while it ran: ${JSON.stringify([...nice])}`);
  assert.deepEqual([...nice.values()].filter((n) => n !== base), [], `every thread keeps nice ${base}`);
});
