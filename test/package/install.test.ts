import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startCountingTarget, type CountingTarget } from '../helpers/counting-target.js';

/**
 * The README's "Use it from your own project", done as a user does it: `npm pack`, a fresh project
 * with `"type": "module"`, one `npm install` of the tarball (offline: its dependencies are in the npm
 * cache since this repo's `npm ci`), then `npx gauntlet` and the README's snippets in that project.
 * Every step is async (the counting target lives in this process) and bounded in time.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** run spawns a command in cwd without blocking the event loop; it is killed after timeoutMs. */
function run(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<Ran> {
  const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** snippet returns the README block of `lang` whose first line names `file`. */
function snippet(lang: string, firstLine: RegExp): string {
  const found = [...README.matchAll(new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```', 'gm'))].map((m) => m[1]!).filter((c) => firstLine.test(c));
  assert.equal(found.length, 1, `one ${lang} snippet matching ${firstLine}`);
  return found[0]!;
}

let target: CountingTarget;
let dir: string;
let project: string;
let installed: Ran;
before(async () => {
  target = await startCountingTarget();
  dir = mkdtempSync(join(tmpdir(), 'gauntlet-install-'));
  // --ignore-scripts: the package build (dist/) is current, `npm test` built it first.
  const packed = await run('npm', ['pack', '--pack-destination', dir, '--ignore-scripts', '--silent'], ROOT, 120_000);
  assert.equal(packed.code, 0, packed.stderr);
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  assert.equal(tarball, `${PKG.name}-${PKG.version}.tgz`);
  project = join(dir, 'my-project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-project', private: true, type: 'module' }, null, 2));
  const args = ['install', '--save-dev', join(dir, tarball!), '--no-audit', '--no-fund'];
  installed = await run('npm', [...args, '--offline'], project, 240_000);
  if (installed.code !== 0) installed = await run('npm', [...args, '--prefer-offline'], project, 240_000);
});
after(async () => {
  await target.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the packed tarball installs into a fresh project', () => {
  assert.equal(installed.code, 0, installed.stderr);
  assert.doesNotMatch(installed.stderr, /EBADENGINE/);
  const dev = (JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> }).devDependencies;
  assert.ok(dev?.[PKG.name]?.endsWith('.tgz'), 'saved as a devDependency on the tarball');
});

test('npx gauntlet runs the installed CLI: --version and a bench of 20 requests with its HTML report', async () => {
  assert.equal(installed.code, 0, 'installed');
  const v = await run('npx', ['--no-install', 'gauntlet', '--version'], project, 60_000);
  assert.equal(v.code, 0, v.stderr);
  assert.equal(v.stdout.trim(), PKG.version);
  const before = target.requests;
  const b = await run('npx', ['--no-install', 'gauntlet', 'bench', `${target.url}/`, '-n', '20', '-c', '2', '-q', '--html', 'report.html'], project, 60_000);
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stdout, /Test of 20 requests complete/);
  assert.equal(target.requests - before, 20);
  // The page's script and uPlot come from the installed package, inlined: the report stands alone.
  const page = readFileSync(join(project, 'report.html'), 'utf8');
  const client = readFileSync(join(project, 'node_modules', PKG.name, 'dist', 'report', 'dashboard-client', 'dashboard.js'), 'utf8');
  assert.ok(page.includes(`<script type="module">${client}</script>`), 'the page script is inlined');
  assert.match(page, /<script>\/\*! https:\/\/github.com\/leeoniya\/uPlot/);
  assert.match(page, /"requests","label":"requests","value":"20","raw":20/);
});

test("the README's .mjs snippet runs in the project, importing the installed package", async () => {
  assert.equal(installed.code, 0, 'installed');
  const code = snippet('js', /^\/\/ smoke\.mjs/).replaceAll('http://127.0.0.1:8080/', `${target.url}/`);
  writeFileSync(join(project, 'smoke.mjs'), code);
  const before = target.requests;
  const r = await run(process.execPath, ['smoke.mjs'], project, 60_000);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Test of 200 requests complete/);
  assert.equal(target.requests - before, 200);
});

test("the README's TypeScript snippets type-check with tsc --strict against the installed package's types", async () => {
  assert.equal(installed.code, 0, 'installed');
  const ts = [...README.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
  assert.ok(ts.some((c) => c.includes("from 'gauntlet/durability'")) && ts.some((c) => c.includes("import { bench")), 'both entry points are shown');
  const files = ts.map((code, i) => {
    const file = `snippet-${i}.ts`;
    writeFileSync(join(project, file), code);
    return file;
  });
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const flags = ['--strict', '--noEmit', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2023'];
  // The project has no @types/node of its own: it borrows this repo's, as it would install its own.
  const types = ['--types', 'node', '--typeRoots', join(ROOT, 'node_modules', '@types'), '--skipLibCheck'];
  const r = await run(process.execPath, [tsc, ...flags, ...types, ...files], project, 120_000);
  assert.equal(r.code, 0, `tsc --strict:\n${r.stdout}${r.stderr}`);
  // The check is real: a wrong option is refused.
  writeFileSync(join(project, 'wrong.ts'), "import { bench } from 'gauntlet';\nbench({ url: 1 });\n");
  const wrong = await run(process.execPath, [tsc, ...flags, ...types, 'wrong.ts'], project, 120_000);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stdout, /wrong\.ts/);
});
