import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

/** ROOT is the package root: `import('gauntlet')` there resolves through package.json's exports to dist/. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

// A resolve hook (on Node's hooks thread) reports every module URL it resolves to the main thread.
const HOOKS = `let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  port.postMessage(r.url);
  return r;
}`;

const PROBE = `import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
const urls = [];
const END = 'data:text/javascript,export default "end"';
let ended;
const endSeen = new Promise((r) => (ended = r));
port1.on('message', (u) => (u === END ? ended() : urls.push(u)));
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}), import.meta.url, { data: { port: port2 }, transferList: [port2] });
const mod = await import(process.argv[1]);
await import(END); // the hook reports it last: every earlier URL has arrived by then
await endSeen;
port1.close();
console.log(JSON.stringify({ exports: Object.keys(mod), urls }));`;

/** loadedBy imports one entry point in a fresh Node and returns its exports and every module it loaded. */
function loadedBy(entry: string): { exports: string[]; urls: string[] } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE, entry], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { exports: string[]; urls: string[] };
}

const external = (urls: string[], name: string) => urls.filter((u) => u.includes(`/node_modules/${name}`));

test("a bare import of 'gauntlet' loads neither esbuild nor the NATS client nor the durability servers", () => {
  const { exports, urls } = loadedBy('gauntlet');
  for (const name of ['bench', 'startRun', 'prepareScriptRun', 'TestCase', 'renderTextSummary']) assert.ok(exports.includes(name), `exports ${name}`);
  assert.ok(urls.some((u) => u.endsWith('/dist/index.js')), 'resolved to the package build');
  assert.deepEqual(external(urls, 'esbuild'), []);
  assert.deepEqual(external(urls, '@nats-io'), []);
  assert.deepEqual(urls.filter((u) => u.includes('/dist/durability/servers/')), []);
  // The probe sees what it should: the HTTP client the engine needs is loaded.
  assert.ok(external(urls, 'undici').length > 0 || urls.some((u) => u.includes('/dist/transport/')), 'the transport layer is loaded');
});

test("'gauntlet/durability' and 'gauntlet/distributed' are their own entry points", () => {
  const d = loadedBy('gauntlet/durability');
  for (const name of ['DurabilityClient', 'servers', 'behaviours', 'policies', 'renderMatrix']) assert.ok(d.exports.includes(name), `durability exports ${name}`);
  assert.deepEqual(external(d.urls, '@nats-io'), []);
  const n = loadedBy('gauntlet/distributed');
  assert.ok(n.exports.includes('startDistributedRun'));
  assert.ok(n.urls.some((u) => u.includes('/dist/distributed/')), 'the distributed entry loads its own modules');
  // The NATS client itself loads on the first connection (core/lazy-require.ts), not at import.
  assert.deepEqual(external(n.urls, '@nats-io'), []);
});
