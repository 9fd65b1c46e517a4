import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { startCountingTarget } from '../helpers/counting-target.js';
import { freePort } from '../helpers/nats.js';
import type { PageDoc } from '../../src/report/page-model.js';

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-failures-'));

interface Failure {
  kind: string;
  message: string;
  count: number;
  hint?: string;
}

/** readResult reads a --json result's failures and counters. */
function readResult(path: string): { failures: Failure[]; counters: Record<string, number> } {
  const r = JSON.parse(readFileSync(path, 'utf8')) as { failures?: Failure[]; metrics: { counters: Record<string, number> } };
  return { failures: r.failures ?? [], counters: r.metrics.counters };
}

/** assertAddsUp checks that per kind the failures' counts add up to the kind's failure count, and every failure has a kind entry. */
function assertAddsUp(failures: Failure[], counters: Record<string, number>): void {
  const byKind = new Map<string, number>();
  for (const f of failures) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + f.count);
  const kinds = Object.keys(counters).filter((k) => k.startsWith('http_req_failed{kind:'));
  assert.ok(kinds.length > 0, 'some requests failed');
  for (const k of kinds) assert.equal(byKind.get(k.slice('http_req_failed{kind:'.length, -1)), counters[k], `${k}: ${JSON.stringify(failures)}`);
  assert.equal([...byKind.values()].reduce((a, b) => a + b, 0), counters['http_req_failed']);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('https:// to a plain-HTTP port: the TLS failures show OpenSSL\'s message, counted, and the hint "use http://"', async () => {
  const target = await startCountingTarget();
  try {
    const json = join(dir, 'tls.json');
    const r = await runCli(['bench', `https://127.0.0.1:${target.port}/`, '-c', '2', '-n', '40', '--timeout', '5s', '--json', json, '-q']);
    assert.equal(r.code, 0, r.stderr);
    const { failures, counters } = readResult(json);
    assert.equal(counters['http_req_failed{kind:tls}'], 40, JSON.stringify(counters));
    assertAddsUp(failures, counters);
    const tls = failures.find((f) => f.kind === 'tls' && /wrong version number/.test(f.message));
    assert.ok(tls !== undefined, JSON.stringify(failures));
    assert.match(tls.hint ?? '', /is this port plain HTTP\? use http:\/\//);
    assert.match(r.stdout, new RegExp(`^ {2}tls +${tls.count} × ${escape(tls.message)}$`, 'm'));
    assert.match(r.stdout, /^ +hint: the port answered in plain text, not TLS: is this port plain HTTP\? use http:\/\/$/m);
  } finally {
    await target.close();
  }
});

test('--http2 to an HTTP/1-only server: the protocol failures name HTTP/2 and hint "drop --http2", timeouts included', async () => {
  const target = await startCountingTarget();
  try {
    const json = join(dir, 'h2c.json');
    const r = await runCli(['bench', `http://127.0.0.1:${target.port}/`, '--http2', '-c', '2', '-n', '20', '--timeout', '2s', '--json', json, '-q']);
    assert.equal(r.code, 0, r.stderr);
    const { failures, counters } = readResult(json);
    assert.equal(counters['http_req_failed'], 20, JSON.stringify(counters));
    assertAddsUp(failures, counters);
    const h2 = failures.find((f) => f.kind === 'protocol' && /ERR_HTTP2_/.test(f.message));
    assert.ok(h2 !== undefined, JSON.stringify(failures));
    assert.match(h2.hint ?? '', /does not speak HTTP\/2 \(h2c\).*drop --http2/);
    for (const f of failures.filter((x) => x.kind === 'timeout')) assert.match(f.hint ?? '', /drop --http2/, 'timeouts beside HTTP/2 failures share the cause');
    assert.match(r.stdout, new RegExp(`^ {2}protocol +${h2.count} × ${escape(h2.message)}$`, 'm'));
    assert.match(r.stdout, /hint: the server does not speak HTTP\/2 \(h2c\): drop --http2/);
  } finally {
    await target.close();
  }
});

test('a refused port: "connect ECONNREFUSED" with the address, counted, and "nothing listens on HOST:PORT" in the summary, JSON, report and HTML', async () => {
  const port = await freePort();
  const json = join(dir, 'refused.json');
  const html = join(dir, 'refused.html');
  const r = await runCli(['bench', `http://127.0.0.1:${port}/`, '-c', '2', '-n', '30', '--json', json, '--html', html, '-q']);
  assert.equal(r.code, 0, r.stderr);
  const { failures, counters } = readResult(json);
  assert.deepEqual(failures, [{ kind: 'refused', message: `connect ECONNREFUSED 127.0.0.1:${port}`, count: 30, hint: `nothing listens on 127.0.0.1:${port}: is the server up, and are the host and port right?` }]);
  assertAddsUp(failures, counters);
  const line = new RegExp(`^ {2}refused +30 × connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\n +hint: nothing listens on 127\\.0\\.0\\.1:${port}:`, 'm');
  assert.match(r.stdout, line);
  const again = await runCli(['report', json]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, line);
  const page = readFileSync(html, 'utf8');
  const doc = JSON.parse(/<script type="application\/json" id="gauntlet-data">([\s\S]*?)<\/script>/.exec(page)![1]!) as PageDoc;
  const detail = doc.runs[0]!.tables.find((x) => x.id === 'failure-detail')!;
  assert.equal(detail.title, 'Failure detail (most common messages per kind)');
  const row = detail.rows[0]!.map((c) => (typeof c === 'string' ? c : c.text));
  assert.deepEqual(row.slice(0, 3), ['refused', '30', `connect ECONNREFUSED 127.0.0.1:${port}`], 'the HTML table has the row');
  assert.ok(row[3]!.startsWith(`nothing listens on 127.0.0.1:${port}:`), row[3]);
});

test('an unexpected status says what was expected and what came', async () => {
  const target = await startCountingTarget();
  try {
    const json = join(dir, 'status.json');
    const r = await runCli(['bench', `${target.url}/status/404`, '-c', '1', '-n', '7', '--json', json, '-q']);
    assert.equal(r.code, 0, r.stderr);
    const { failures, counters } = readResult(json);
    assert.deepEqual(failures, [{ kind: 'status', message: 'expected status 2xx,3xx, got 404', count: 7 }]);
    assertAddsUp(failures, counters);
    assert.match(r.stdout, /^ {2}status +7 × expected status 2xx,3xx, got 404$/m);
  } finally {
    await target.close();
  }
});
