import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI_PATH, type CliRun } from '../helpers/cli.js';
import { startCountingTarget } from '../helpers/counting-target.js';

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-limits-'));

/** runLimited runs the CLI under `ulimit -n fds` in bash (killed after timeoutMs). */
function runLimited(fds: number, args: string[], timeoutMs = 60_000): Promise<CliRun> {
  const quoted = [process.execPath, CLI_PATH, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const child = spawn('bash', ['-c', `ulimit -n ${fds}; exec ${quoted}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
}

test("running out of file descriptors is the generator's own limit: warned before, counted as local, never blamed on the target", async () => {
  const target = await startCountingTarget();
  try {
    const json = join(dir, 'fd.json');
    const r = await runLimited(256, ['bench', target.url, '-c', '400', '-n', '2000', '--timeout', '5s', '--json', json, '-q']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^warning: 400 connections need about 400 file descriptors but the limit is 256; raise it with ulimit -n 1024, or let users share fewer connections \(bench -u USERS -c CONNECTIONS\)$/m);
    const c = JSON.parse(readFileSync(json, 'utf8')).metrics.counters as Record<string, number>;
    assert.equal(c['http_reqs'], 2000);
    const local = c['http_req_failed{kind:local}'] ?? 0;
    assert.ok(local > 0, `some connections cannot open under the limit: ${JSON.stringify(c)}`);
    for (const kind of ['reset', 'timeout', 'refused']) assert.equal(c[`http_req_failed{kind:${kind}}`], undefined, `no ${kind}: ${JSON.stringify(c)}`);
    assert.equal(c['local_limit{code:EMFILE}'], local);
    const ok = c['http_reqs'] - (c['http_req_failed'] ?? 0);
    assert.equal(ok + local, 2000, 'OK requests and local failures account for every request');
    assert.equal(target.requests, ok, 'every request the target answered is OK');
    assert.match(r.stdout, /ran out of file descriptors of the process \(EMFILE\); hint: raise the limit with `ulimit -n`/);
    assert.match(r.stdout, /^ {2}local +[\d,]+ +\(/m);
  } finally {
    await target.close();
  }
});

/** rawServer starts a node:net server on 127.0.0.1 that does `onConnection` to each socket. */
async function rawServer(onConnection: (s: net.Socket) => void): Promise<{ url: string; accepted: () => number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
    onConnection(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const BODY_BYTES = 8 << 20;

test('data sent counts what left the socket: nothing proven to a server that never reads a large body', async () => {
  const server = await rawServer((s) => s.pause());
  try {
    const bodyFile = join(dir, 'body.bin');
    writeFileSync(bodyFile, Buffer.alloc(BODY_BYTES, 0x61));
    const json = join(dir, 'noread.json');
    const n = 6;
    const r = await runLimited(4096, ['bench', server.url, '-m', 'POST', '--body-file', bodyFile, '-c', '2', '-n', String(n), '--timeout', '300ms', '--json', json, '-q']);
    assert.equal(r.code, 0, r.stderr);
    const c = JSON.parse(readFileSync(json, 'utf8')).metrics.counters as Record<string, number>;
    assert.equal(c['http_req_failed{kind:timeout}'], n);
    // Each request hands 8 MiB to the socket; the kernel holds far less for a peer that never reads.
    assert.ok((c['data_sent'] ?? 0) < (n * BODY_BYTES) / 2, `data_sent ${c['data_sent']} of ${n * BODY_BYTES} handed to the socket`);
  } finally {
    await server.close();
  }
});

test('data sent counts every byte the kernel took of requests that then time out, as the server received them', async () => {
  let received = 0;
  // Reads every request, never answers.
  const server = await rawServer((s) => s.on('data', (d: Buffer) => (received += d.length)));
  try {
    const json = join(dir, 'silent.json');
    const n = 6;
    const r = await runLimited(4096, ['bench', server.url, '-c', '2', '-n', String(n), '--timeout', '300ms', '--json', json, '-q']);
    assert.equal(r.code, 0, r.stderr);
    const c = JSON.parse(readFileSync(json, 'utf8')).metrics.counters as Record<string, number>;
    assert.equal(c['http_req_failed{kind:timeout}'], n);
    assert.ok(received > 0);
    assert.equal(c['data_sent'], received, 'each timed-out request counts the bytes it handed to the kernel');
  } finally {
    await server.close();
  }
});

test('data sent is 0 to a server that closes every connection on accept', async () => {
  const server = await rawServer((s) => s.destroy());
  try {
    const json = join(dir, 'close.json');
    const r = await runLimited(4096, ['bench', server.url, '-c', '2', '-n', '200', '--timeout', '2s', '--json', json, '-q']);
    assert.equal(r.code, 0, r.stderr);
    const c = JSON.parse(readFileSync(json, 'utf8')).metrics.counters as Record<string, number>;
    assert.equal(c['http_reqs'], 200);
    assert.equal(c['http_req_failed'], 200);
    assert.ok(server.accepted() > 0);
    assert.equal(c['data_sent'] ?? 0, 0);
  } finally {
    await server.close();
  }
});
