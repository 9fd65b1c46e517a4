import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { startCountingTarget } from '../helpers/counting-target.js';
import { Http1Connection } from '../../src/transport/http1-connection.js';
import { Http1PipelineConnection } from '../../src/transport/http1-pipeline.js';
import type { ResponseInfo } from '../../src/transport/response-info.js';
import { openConnection } from '../../src/transport/open-connection.js';
import { prepareRequest } from '../../src/transport/prepared-request.js';
import { connectionContract, freePort, LATE_CALLBACK_GRACE_MS, listen, send, trackConnections, type Send } from './transport-contract.js';

connectionContract({
  name: 'Http1Connection over node:http',
  http1: true,
  async start(handler) {
    const server = http.createServer(handler);
    server.keepAliveTimeout = 30_000;
    const track = trackConnections(server);
    const port = await listen(server);
    return {
      url: `http://127.0.0.1:${port}`,
      connections: track.connections,
      close: () => new Promise<void>((r) => (track.destroyAll(), server.close(() => r()))),
    };
  },
  open: (origin, options) => new Http1Connection(origin, options),
  refusedUrl: async () => `http://127.0.0.1:${await freePort()}/`,
});

/** RawTarget is a node:net server answering each request with bytes a test writes by hand. */
interface RawTarget {
  url: string;
  connections: number;
  requests: string[];
  close(): Promise<void>;
}

/**
 * rawTarget calls `respond` for every request head it receives (requests carry no body here), with
 * the request's index over all connections; `respond` writes whatever bytes the test wants.
 */
async function rawTarget(respond: (socket: net.Socket, n: number) => unknown): Promise<RawTarget> {
  const sockets = new Set<net.Socket>();
  const t: RawTarget = {
    url: '',
    connections: 0,
    requests: [],
    close: () => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))),
  };
  const server = net.createServer((socket) => {
    t.connections++;
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let pending = '';
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1');
      let end: number;
      while ((end = pending.indexOf('\r\n\r\n')) >= 0) {
        t.requests.push(pending.slice(0, end + 4));
        pending = pending.slice(end + 4);
        void respond(socket, t.requests.length - 1);
      }
    });
  });
  const port = await listen(server);
  t.url = `http://127.0.0.1:${port}/`;
  return t;
}

const tick = () => new Promise((r) => setImmediate(r));

describe('Http1Connection against hand-written responses', { timeout: 60_000 }, () => {
  const cleanup: Array<() => unknown> = [];
  after(async () => {
    for (const c of cleanup) await c();
  });
  async function setup(respond: Parameters<typeof rawTarget>[0]) {
    const target = await rawTarget(respond);
    const conn = new Http1Connection(new URL(target.url), { keepHeaders: true });
    cleanup.push(() => conn.close(), () => target.close());
    return { target, conn };
  }
  // Each case takes the `send` it uses, so the "never twice" test can run them all again recording
  // second callbacks in its own list.
  const cases: [name: string, run: (send: Send) => Promise<void>][] = [];
  const handCase = (name: string, run: (send: Send) => Promise<void>) => {
    cases.push([name, run]);
    it(name, () => run((conn, opts) => send(conn, opts)));
  };

  handCase('reads a chunked body written one byte per write, with exact byte counts', async (send) => {
    const wire = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n4;x=y\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nTrailer: t\r\n\r\n';
    const { target, conn } = await setup(async (s) => {
      for (const ch of wire) {
        s.write(ch, 'latin1');
        await tick();
      }
    });
    for (let i = 0; i < 3; i++) {
      const r = await send(conn, { url: target.url, keepBody: true });
      assert.equal(r.kind, 'ok', r.error);
      assert.equal(r.body?.toString(), 'Wikipedia in\r\n\r\nchunks.');
      assert.equal(r.bodyBytes, 23);
      assert.equal(r.bytesIn, wire.length);
      assert.equal(r.headers?.['x-a'], '1');
    }
    assert.equal(target.connections, 1);
  });

  handCase('reads an HTTP/1.0 body to the end of the connection, then reconnects', async (send) => {
    const { target, conn } = await setup((s) => s.end('HTTP/1.0 200 OK\r\nServer: old\r\n\r\nall of it'));
    for (let i = 0; i < 3; i++) {
      const r = await send(conn, { url: target.url, keepBody: true });
      assert.equal(r.kind, 'ok', r.error);
      assert.equal(r.body?.toString(), 'all of it');
      assert.ok(r.connectMs >= 0);
    }
    assert.equal(target.connections, 3);
  });

  handCase('keeps an HTTP/1.0 keep-alive connection', async (send) => {
    const { target, conn } = await setup((s) => s.write('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\nabc'));
    for (let i = 0; i < 5; i++) assert.equal((await send(conn, { url: target.url })).kind, 'ok');
    assert.equal(target.connections, 1);
  });

  handCase('skips 100-continue before the real response', async (send) => {
    const { target, conn } = await setup(async (s) => {
      s.write('HTTP/1.1 100 Continue\r\n\r\n');
      await tick();
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone');
    });
    const r = await send(conn, { url: target.url, method: 'POST', body: 'x', keepBody: true, headers: { expect: '100-continue' } });
    assert.equal(r.kind, 'ok', r.error);
    assert.equal(r.status, 200);
    assert.equal(r.body?.toString(), 'done');
    assert.equal(r.bytesIn, 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone'.length);
  });

  handCase('reports a malformed status line as protocol, then reconnects', async (send) => {
    const { target, conn } = await setup((s, n) => s.write(n === 0 ? 'HTTP/1.1 OK 200\r\n\r\n' : 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
    const bad = await send(conn, { url: target.url });
    assert.equal(bad.kind, 'protocol');
    assert.match(bad.error, /status line/);
    const good = await send(conn, { url: target.url });
    assert.equal(good.kind, 'ok', good.error);
    assert.equal(target.connections, 2);
  });

  handCase('reports malformed headers as protocol', async (send) => {
    const { target, conn } = await setup((s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n'));
    assert.equal((await send(conn, { url: target.url })).kind, 'protocol');
  });

  handCase('reports a socket destroyed mid-body as reset', async (send) => {
    const { target, conn } = await setup(async (s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial');
      await new Promise((r) => setTimeout(r, 20));
      s.resetAndDestroy();
    });
    const r = await send(conn, { url: target.url });
    assert.equal(r.kind, 'reset');
    assert.equal(r.status, 200);
    assert.equal(r.bodyBytes, 7);
  });

  handCase('reports a connection closed mid-body as reset', async (send) => {
    const { target, conn } = await setup((s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial'));
    const r = await send(conn, { url: target.url });
    assert.equal(r.kind, 'reset');
    assert.match(r.error, /mid-response/);
  });

  handCase('reconnects after the server closed an idle keep-alive connection', async (send) => {
    const { target, conn } = await setup(async (s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      await new Promise((r) => setTimeout(r, 10));
      s.end();
    });
    for (let i = 0; i < 3; i++) {
      assert.equal((await send(conn, { url: target.url })).kind, 'ok');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(target.connections, 3);
  });

  handCase('resends an idempotent request once when a kept-alive connection was closed under it', async (send) => {
    const perSocket = new WeakMap<net.Socket, number>();
    let kills = 0;
    const { target, conn } = await setup((s) => {
      const n = (perSocket.get(s) ?? 0) + 1;
      perSocket.set(s, n);
      if (n === 1) s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      else if (kills++ % 2 === 0) s.destroy(); // FIN
      else s.resetAndDestroy(); // RST
    });
    for (let i = 0; i < 3; i++) {
      const r = await send(conn, { url: target.url });
      assert.equal(r.kind, 'ok', r.error);
      assert.ok(r.connectMs >= 0, 'each request ran on a new connection (the first, then the resent ones)');
    }
    assert.equal(target.connections, 3);
    assert.equal(target.requests.length, 5);
    const post = await send(conn, { url: target.url, method: 'POST', body: 'x' });
    assert.equal(post.kind, 'reset', 'a POST is not resent');
    assert.equal(target.requests.length, 6);
  });

  handCase('does not resend on a fresh connection closed without an answer', async (send) => {
    const { target, conn } = await setup((s) => s.destroy());
    const r = await send(conn, { url: target.url });
    assert.equal(r.kind, 'reset');
    assert.equal(r.error, 'socket hang up');
    assert.equal(target.requests.length, 1);
  });

  handCase('drops a connection that sends bytes after the response', async (send) => {
    const { target, conn } = await setup((s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA'));
    for (let i = 0; i < 3; i++) assert.equal((await send(conn, { url: target.url })).kind, 'ok');
    assert.equal(target.connections, 3);
  });

  handCase('reads a head split across writes and many responses in a row', async (send) => {
    const head = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\n';
    const { target, conn } = await setup(async (s, n) => {
      const cut = 1 + (n % (head.length - 1));
      s.write(head.slice(0, cut));
      await tick();
      s.write(head.slice(cut) + 'abcdef');
    });
    const req = prepareRequest({ url: target.url, keepBody: true });
    for (let i = 0; i < head.length; i++) {
      const r = await send(conn, req);
      assert.equal(r.kind, 'ok', r.error);
      assert.equal(r.body?.toString(), 'abcdef');
      assert.equal(r.bytesIn, head.length + 6);
    }
    assert.equal(target.connections, 1);
  });

  handCase('writes the prepared request bytes as they are', async (send) => {
    const { target, conn } = await setup((s) => s.write('HTTP/1.1 204 No Content\r\n\r\n'));
    const req = prepareRequest({ url: `${target.url}path?q=1`, headers: { 'x-one': '1' } });
    const r = await send(conn, req);
    assert.equal(r.kind, 'ok');
    assert.equal(r.bytesOut, req.wire.length);
    assert.equal(target.requests[0], req.wire.toString('latin1'));
  });

  // Stands alone: it runs every case above again (resets, protocol errors, resends, reconnects
  // included) with its own list of violations, then waits for late second callbacks.
  it('never called a callback twice', async () => {
    const violations: string[] = [];
    for (const [name, run] of cases) {
      await run((conn, opts) => send(conn, opts, violations)).catch((err: unknown) => {
        throw new Error(`case '${name}' failed before its callbacks could be judged`, { cause: err });
      });
    }
    await new Promise((r) => setTimeout(r, LATE_CALLBACK_GRACE_MS));
    assert.deepEqual(violations, []);
  });
});

describe('Http1Connection against the counting target', { timeout: 60_000 }, () => {
  it('uses one connection for 100 requests and counts them as the server does', async () => {
    const target = await startCountingTarget();
    const conn = openConnection(new URL(target.url));
    try {
      assert.ok(conn instanceof Http1Connection);
      const req = prepareRequest({ url: `${target.url}/hello` });
      let ok = 0;
      for (let i = 0; i < 100; i++) if ((await send(conn, req)).kind === 'ok') ok++;
      assert.equal(ok, 100);
      assert.equal(target.requests, 100);
      assert.equal(target.byPath.get('/hello'), 100);
      assert.equal(target.connections, 1);
    } finally {
      conn.close();
      await target.close();
    }
  });

  it('times out against a stalled server and recovers on the same connection', async () => {
    const target = await startCountingTarget();
    const conn = openConnection(new URL(target.url));
    try {
      const slow = await send(conn, { url: `${target.url}/delay/1000`, timeoutMs: 200 });
      assert.equal(slow.kind, 'timeout');
      assert.match(slow.error, /200 ms/);
      const fast = await send(conn, { url: `${target.url}/status/201` });
      assert.equal(fast.kind, 'ok', fast.error);
      assert.equal(fast.status, 201);
      assert.ok(fast.connectMs >= 0, 'a timed-out connection is replaced');
    } finally {
      conn.close();
      await target.close();
    }
  });

  it('runs 50 connections side by side with one timer each', async () => {
    const target = await startCountingTarget();
    const conns = Array.from({ length: 50 }, () => openConnection(new URL(target.url)));
    try {
      const req = prepareRequest({ url: target.url, timeoutMs: 5000 });
      const results = await Promise.all(
        conns.map(async (c) => {
          let ok = 0;
          for (let i = 0; i < 20; i++) if ((await send(c, req)).kind === 'ok') ok++;
          return ok;
        }),
      );
      assert.equal(
        results.reduce((a, b) => a + b, 0),
        1000,
      );
      assert.equal(target.requests, 1000);
      assert.equal(target.connections, 50);
    } finally {
      conns.forEach((c) => c.close());
      await target.close();
    }
  });
});

describe('Http1PipelineConnection against hand-written responses', { timeout: 60_000 }, () => {
  it('a request made in an answer\'s callback is written at the end of the turn, and bytes read before it went out never answer it', async () => {
    // The first answer comes with a second one nobody asked for, in one read. The request the first
    // answer's callback makes is not written yet when those bytes are parsed: they are the server's
    // error, not its answer. The connection is dropped and the request goes out on a new one.
    const target = await rawTarget((socket, n) => socket.write(n === 0 ? 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nr0HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nxx' : `HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nr${n}`));
    const conn = new Http1PipelineConnection(new URL(target.url), 2);
    try {
      const req = prepareRequest({ url: target.url, keepBody: true, timeoutMs: 5000 });
      const second = await new Promise<ResponseInfo>((resolve) => {
        conn.request(req, (first) => {
          assert.equal(first.body?.toString(), 'r0');
          conn.request(req, (r) => resolve({ ...r }));
        });
      });
      assert.equal(second.kind, 'ok', second.error);
      assert.equal(second.body?.toString(), 'r1');
      assert.ok(second.sentAt > 0);
      assert.equal(target.requests.length, 2);
      assert.equal(target.connections, 2);
    } finally {
      conn.close();
      await target.close();
    }
  });
});
