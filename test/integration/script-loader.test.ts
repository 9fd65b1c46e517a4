import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { GauntletError } from '../../src/core/errors.js';
import { importBundle, materializeBundle } from '../../src/scenarios/script/script-loader.js';
import { pickTests, selectTests } from '../../src/scenarios/script/script-spec.js';
import { drive, harness, load, specFor, TEST_CASE_ENTRY, writeScripts } from '../helpers/script-harness.js';

function isError(code: string, message: RegExp, hint?: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof GauntletError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, message);
    if (hint) assert.match(err.hint ?? '', hint);
    assert.equal(err.exitCode, code === 'GAUNTLET_RUNTIME' ? 1 : 2);
    return true;
  };
}

test('a syntax error is GAUNTLET_SCRIPT_INVALID with file:line:col and the source line', async () => {
  const files = writeScripts({ 'broken.ts': "import { TestCase } from 'gauntlet';\nexport class X extends TestCase {\n  run() { const a = ; }\n}\n" });
  await assert.rejects(load(files['broken.ts']!), isError('GAUNTLET_SCRIPT_INVALID', /^\/.*\/broken\.ts:3:21: Unexpected ";"$/, /const a = ; }\n {20}\^$/));
});

test('a missing script, an unresolvable import, a top-level throw and a file without tests are clear errors', async () => {
  await assert.rejects(load('/nonexistent/nope.ts'), isError('GAUNTLET_USAGE', /script '.*nope\.ts' not found/));
  const files = writeScripts({
    'missing-dep.ts': "import pad from 'left-pad-that-does-not-exist';\nexport default async function () { pad(); }\n",
    'throws.ts': "throw new Error('config missing');\nexport default async function () {}\n",
    'empty.ts': 'export const x = 1;\n',
    'notatest.ts': 'export default class Foo { run() {} }\n',
  });
  await assert.rejects(load(files['missing-dep.ts']!), isError('GAUNTLET_SCRIPT_INVALID', /missing-dep\.ts:1:17: Could not resolve "left-pad-that-does-not-exist"/, /npm install/));
  await assert.rejects(load(files['throws.ts']!), isError('GAUNTLET_SCRIPT_INVALID', /throws\.ts: error while loading the script: config missing/, /throws\.ts:1/));
  await assert.rejects(load(files['notatest.ts']!), isError('GAUNTLET_SCRIPT_INVALID', /default export is a class that does not extend TestCase/));
  const empty = await load(files['empty.ts']!);
  assert.throws(() => selectTests(empty), isError('GAUNTLET_SCRIPT_INVALID', /empty\.ts: no test found/));
});

test('npm packages resolve from the script folder, Node built-ins and CommonJS work, import.meta.url names the script', async () => {
  const files = writeScripts({
    'deps.ts': `
import { TestCase } from 'gauntlet';
import greet from 'greeter';
import { createHash } from 'node:crypto';
export const here = import.meta.url;
export class Deps extends TestCase {
  run() {
    this.check('npm package', greet('x') === 'hello x from greeter');
    this.check('built-in', createHash('sha1').update('a').digest('hex').length === 40);
  }
}`,
  });
  const dir = path.dirname(files['deps.ts']!);
  mkdirSync(path.join(dir, 'node_modules', 'greeter'), { recursive: true });
  writeFileSync(path.join(dir, 'node_modules', 'greeter', 'package.json'), JSON.stringify({ name: 'greeter', main: 'index.js' }));
  // CommonJS calling require() on a built-in: needs the bundle's require shim.
  writeFileSync(path.join(dir, 'node_modules', 'greeter', 'index.js'), "const path = require('path');\nmodule.exports = (n) => 'hello ' + n + ' from ' + path.basename(__dirname);\n");
  const loaded = await load(files['deps.ts']!);
  const ns = await importBundle(loaded.bundlePath);
  assert.equal((ns['m0'] as { here: string }).here, `file://${files['deps.ts']}`);
  const m = await drive(await harness(specFor(loaded)), { iterations: 1 });
  assert.equal(m.count('checks{result:pass}'), 2, JSON.stringify(m.counters));
});

test('several files bundle once; tests are picked by file#export, --test names, and names stay unique', async () => {
  const files = writeScripts({
    'a.ts': "import { TestCase } from 'gauntlet';\nexport class Up extends TestCase { run() {} }\nexport class Down extends TestCase { run() {} }\n",
    'b.ts': "import { TestCase } from 'gauntlet';\nexport class Up extends TestCase { run() {} }\n",
  });
  const loaded = await load([files['a.ts']!, files['b.ts']!]);
  assert.equal(loaded.modules.length, 2);
  const all = selectTests(loaded);
  assert.deepEqual(all.map((t) => `${t.module}:${t.exportName}:${t.name}`), ['0:Down:Down', '0:Up:Up', '1:Up:Up#2']);
  const picked = selectTests(loaded, [
    { file: files['a.ts']!, exportName: 'Up', weight: 2, options: { k: 1 } },
    { file: files['a.ts']!, exportName: 'Up', name: 'UpSlow' },
  ]);
  assert.deepEqual(picked.map((t) => [t.name, t.weight, t.options]), [['Up', 2, { k: 1 }], ['UpSlow', 1, {}]]);
  assert.throws(() => selectTests(loaded, [{ file: files['a.ts']!, exportName: 'Sideways' }]), isError('GAUNTLET_USAGE', /a\.ts has no test named 'Sideways'/, /Down, Up/));
  assert.deepEqual(pickTests(all, ['Down']).map((t) => t.name), ['Down']);
  assert.throws(() => pickTests(all, ['Nope']), isError('GAUNTLET_USAGE', /--test Nope: no such test/));
});

test('the portable bundle can be written again for another Gauntlet install (an agent)', async () => {
  const files = writeScripts({ 'p.ts': "import { TestCase } from 'gauntlet';\nexport class P extends TestCase { run() { this.check('ran', true); } }\n" });
  const loaded = await load(files['p.ts']!);
  assert.ok(loaded.code.includes('__GAUNTLET_ENTRY__'), 'the shipped code does not name this machine');
  const again = materializeBundle(loaded.code, TEST_CASE_ENTRY, path.join(path.dirname(files['p.ts']!), 'agent'));
  assert.notEqual(again, loaded.bundlePath);
  assert.ok(readFileSync(again, 'utf8').includes(TEST_CASE_ENTRY));
  // A spec whose bundle path does not exist here is materialized from its code.
  const spec = { ...specFor(loaded), bundlePath: '/elsewhere/script.mjs', code: loaded.code };
  const m = await drive(await harness(spec), { iterations: 1 });
  assert.equal(m.count('checks{result:pass}'), 1);
});

test('bundles are written to a fresh private folder (0700, this user) as 0600 files, never to a shared fixed folder', async () => {
  const files = writeScripts({ 'priv.ts': "import { TestCase } from 'gauntlet';\nexport class P extends TestCase { run() {} }\n" });
  const loaded = await load(files['priv.ts']!);
  const dir = path.dirname(loaded.bundlePath);
  assert.notEqual(path.basename(dir), 'gauntlet-scripts', 'not the old fixed, shared folder');
  const d = statSync(dir);
  assert.equal(d.mode & 0o777, 0o700);
  assert.equal(d.uid, process.getuid!());
  assert.equal(statSync(loaded.bundlePath).mode & 0o777, 0o600);
  // A folder someone else could write to is refused.
  const open = path.join(path.dirname(files['priv.ts']!), 'world-writable');
  mkdirSync(open, { mode: 0o777 });
  chmodSync(open, 0o777);
  assert.throws(() => materializeBundle(loaded.code, TEST_CASE_ENTRY, open), isError('GAUNTLET_USAGE', /is not a private folder/));
});

test('a plan that ships its code never imports the path it names; a local bundle changed after it was written is refused', async () => {
  const files = writeScripts({ 'ok.ts': "import { TestCase } from 'gauntlet';\nexport class Ok extends TestCase { run() { this.check('ran', true); } }\n" });
  const loaded = await load(files['ok.ts']!);
  // A file planted where a plan's bundlePath points: importing it would set a mark.
  const planted = path.join(path.dirname(files['ok.ts']!), 'planted.mjs');
  writeFileSync(planted, "globalThis.__plantedRan = true; export const m0 = {};\n");
  const shipped = { ...specFor(loaded), bundlePath: planted, bundleHash: undefined, code: loaded.code };
  const m = await drive(await harness(shipped), { iterations: 1 });
  assert.equal(m.count('checks{result:pass}'), 1, 'the shipped code ran');
  assert.equal((globalThis as { __plantedRan?: boolean }).__plantedRan, undefined, 'the planted file was never imported');
  // The local bundle is swapped after it was written: refused before import.
  writeFileSync(loaded.bundlePath, "globalThis.__swappedRan = true; export const m0 = {};\n");
  await assert.rejects(importBundle(loaded.bundlePath, 'ok.ts', loaded.bundleHash), isError('GAUNTLET_SCRIPT_INVALID', /changed after it was written; refusing to import it/));
  assert.equal((globalThis as { __swappedRan?: boolean }).__swappedRan, undefined);
});
