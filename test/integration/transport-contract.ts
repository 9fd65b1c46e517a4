import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ConnectionOptions, HttpConnection } from '../../src/transport/http-connection.js';
import { prepareRequest, type PrepareRequestOptions } from '../../src/transport/prepared-request.js';
import type { ResponseInfo } from '../../src/transport/response-info.js';

/** Handler is the node:http-style handler a contract target runs (http, https and http2 compat). */
export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** ContractTarget is a running server of one flavour, counting its connections. */
export interface ContractTarget {
  url: string;
  connections(): number;
  close(): Promise<void>;
}

/** ContractSubject says how to start a server and open a connection to it for one implementation. */
export interface ContractSubject {
  name: string;
  start(handler: Handler): Promise<ContractTarget>;
  open(origin: URL, options?: ConnectionOptions): HttpConnection;
  /** http1 enables the tests that need HTTP/1.1 semantics (Connection: close). */
  http1: boolean;
  /** refusedUrl is where nothing listens, in this subject's scheme. */
  refusedUrl(): Promise<string>;
}

/** Sent is a copy of a ResponseInfo taken inside its callback. */
export type Sent = ResponseInfo;

/** Send issues one request and resolves with a copy of its ResponseInfo (see `send`). */
export type Send = (conn: HttpConnection, opts: PrepareRequestOptions | ReturnType<typeof prepareRequest>) => Promise<Sent>;

/**
 * once wraps a request callback: it records in `violations` (when given) a callback that runs more
 * than once, for `what`, and passes only the first call on.
 */
export function once(what: string, fn: (info: ResponseInfo) => void, violations?: string[]): (info: ResponseInfo) => void {
  let calls = 0;
  return (info) => {
    if (++calls > 1) violations?.push(`callback ran ${calls} times for ${what}`);
    else fn(info);
  };
}

/**
 * send issues one request and resolves with a copy of its ResponseInfo. It fails when the callback
 * runs inside `request()`, and records in `violations` (when given) a callback that runs more than
 * once. Each suite's "never calls a callback twice" test runs its cases again with its own list.
 */
export function send(conn: HttpConnection, opts: PrepareRequestOptions | ReturnType<typeof prepareRequest>, violations?: string[]): Promise<Sent> {
  const req = 'wire' in opts ? opts : prepareRequest(opts);
  return new Promise((resolve, reject) => {
    let inside = true;
    conn.request(
      req,
      once(
        `${req.method} ${req.url.pathname}`,
        (info) => {
          if (inside) reject(new Error('callback ran inside request()'));
          else resolve({ ...info });
        },
        violations,
      ),
    );
    inside = false;
  });
}

/** LATE_CALLBACK_GRACE_MS is how long a "never twice" test waits for late second callbacks. */
export const LATE_CALLBACK_GRACE_MS = 100;

/** contractHandler serves the routes the contract suite uses. */
export const contractHandler: Handler = (req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    switch (path) {
      case '/ok':
        res.writeHead(200, { 'content-type': 'text/plain', 'x-test': 'abc' });
        res.end('ok');
        return;
      case '/chunked':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('hel');
        res.write('lo');
        setTimeout(() => res.end(' world'), 5);
        return;
      case '/big':
        res.writeHead(200, { 'content-length': String(1 << 20) });
        res.end(Buffer.alloc(1 << 20, 0x62));
        return;
      case '/echo':
        res.writeHead(200, {
          'x-received-length': String(body.length),
          'x-declared-length': String(req.headers['content-length'] ?? ''),
          'x-sha256': crypto.createHash('sha256').update(body).digest('hex'),
        });
        res.end(body);
        return;
      case '/204':
        res.writeHead(204);
        res.end();
        return;
      case '/304':
        res.writeHead(304, { etag: '"x"' });
        res.end();
        return;
      case '/close':
        res.writeHead(200, { connection: 'close', 'content-length': '5' });
        res.end('bye!!');
        return;
      case '/hang':
        return; // never answers
      default:
        res.writeHead(404);
        res.end('not found');
    }
  });
};

/** trackConnections counts the TCP connections a server accepts and destroys them on close. */
export function trackConnections(server: net.Server): { connections(): number; destroyAll(): void } {
  let n = 0;
  const open = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    n++;
    open.add(s);
    s.on('close', () => open.delete(s));
  });
  return { connections: () => n, destroyAll: () => open.forEach((s) => s.destroy()) };
}

/** listen starts `server` on 127.0.0.1:0 and returns its port. */
export async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** freePort returns a port on 127.0.0.1 where nothing listens (it was just released). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  const port = await listen(s);
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * connectionContract is the suite every HttpConnection implementation passes, against real servers
 * on 127.0.0.1: framing, keep-alive reuse, reconnects, bodies both ways, timeouts and aborts.
 */
export function connectionContract(subject: ContractSubject): void {
  describe(`HttpConnection contract: ${subject.name}`, { timeout: 60_000 }, () => {
    let target: ContractTarget;
    const conns: HttpConnection[] = [];
    const open = (options?: ConnectionOptions) => {
      const c = subject.open(new URL(target.url), options);
      conns.push(c);
      return c;
    };
    const url = (path: string) => `${target.url}${path}`;

    before(async () => {
      target = await subject.start(contractHandler);
    });
    after(async () => {
      for (const c of conns) c.close();
      await target?.close();
    });

    /** Env is what a case uses: `send` and `once` record second callbacks in the list a run gave. */
    interface Env {
      send: Send;
      once: (what: string, fn: (info: ResponseInfo) => void) => (info: ResponseInfo) => void;
    }
    type Case = (env: Env) => Promise<void>;
    const envOf = (violations?: string[]): Env => ({
      send: (conn, opts) => send(conn, opts, violations),
      once: (what, fn) => once(what, fn, violations),
    });
    const cases: [name: string, run: Case][] = [];
    const contractCase = (name: string, run: Case) => {
      cases.push([name, run]);
      it(name, () => run(envOf()));
    };

    contractCase('reads a content-length body and keeps body and headers when asked', async ({ send }) => {
      const conn = open({ keepHeaders: true });
      const r = await send(conn, { url: url('/ok'), keepBody: true });
      assert.equal(r.kind, 'ok', r.error);
      assert.equal(r.status, 200);
      assert.equal(r.bodyBytes, 2);
      assert.equal(r.body?.toString(), 'ok');
      assert.equal(r.headers?.['x-test'], 'abc');
      assert.equal(r.headers?.['content-type'], 'text/plain');
      assert.ok(r.bytesIn > r.bodyBytes);
      assert.ok(r.bytesOut > 0);
      assert.ok(r.connectMs >= 0, 'the first request connects');
      assert.ok(r.sentAt > 0 && r.sentAt <= r.firstByteAt && r.firstByteAt <= r.endAt);
      const again = await send(conn, { url: url('/ok') });
      assert.equal(again.connectMs, -1, 'the second reuses the connection');
      assert.equal(again.body, undefined);
      assert.equal(again.headers?.['x-test'], 'abc');
    });

    contractCase('keeps one connection alive over 100 sequential requests', async ({ send }) => {
      const before = target.connections();
      const conn = open();
      const req = prepareRequest({ url: url('/ok') });
      for (let i = 0; i < 100; i++) {
        const r = await send(conn, req);
        assert.equal(r.kind, 'ok', r.error);
        assert.equal(r.connectMs >= 0, i === 0);
      }
      assert.equal(target.connections() - before, 1);
    });

    contractCase('reads a body sent in pieces (chunked on HTTP/1.1)', async ({ send }) => {
      const r = await send(open(), { url: url('/chunked'), keepBody: true });
      assert.equal(r.kind, 'ok', r.error);
      assert.equal(r.body?.toString(), 'hello world');
      assert.equal(r.bodyBytes, 11);
    });

    contractCase('counts a 1 MiB body without keeping it', async ({ send }) => {
      const conn = open();
      const r = await send(conn, { url: url('/big') });
      assert.equal(r.kind, 'ok', r.error);
      assert.equal(r.bodyBytes, 1 << 20);
      assert.ok(r.bytesIn > 1 << 20);
      assert.equal(r.body, undefined);
      const kept = await send(conn, { url: url('/big'), keepBody: true });
      assert.equal(kept.body?.length, 1 << 20);
      assert.ok(kept.body?.every((b) => b === 0x62));
    });

    contractCase('knows 204, 304 and HEAD responses have no body', async ({ send }) => {
      const conn = open();
      for (const [path, method, status] of [['/204', 'GET', 204], ['/304', 'GET', 304], ['/big', 'HEAD', 200]] as const) {
        const r = await send(conn, { url: url(path), method, keepBody: true });
        assert.equal(r.kind, 'ok', `${method} ${path}: ${r.error}`);
        assert.equal(r.status, status);
        assert.equal(r.bodyBytes, 0);
      }
      assert.equal((await send(conn, { url: url('/ok') })).kind, 'ok', 'the connection is still in step');
    });

    contractCase('sends a POST body intact with its content-length', async ({ send }) => {
      const body = crypto.randomBytes(200_000);
      const conn = open({ keepHeaders: true });
      const r = await send(conn, { url: url('/echo'), method: 'POST', body, keepBody: true, headers: { 'content-type': 'application/octet-stream' } });
      assert.equal(r.kind, 'ok', r.error);
      assert.equal(r.headers?.['x-received-length'], String(body.length));
      assert.equal(r.headers?.['x-declared-length'], String(body.length));
      assert.equal(r.headers?.['x-sha256'], crypto.createHash('sha256').update(body).digest('hex'));
      assert.ok(r.body?.equals(body));
      assert.ok(r.bytesOut > body.length);
    });

    contractCase('times out a request the server never answers, then works again', async ({ send }) => {
      const conn = open();
      const t0 = performance.now();
      const r = await send(conn, { url: url('/hang'), timeoutMs: 200 });
      assert.equal(r.kind, 'timeout');
      // The timeout counts from request(), connect included, so measure from here, not from sentAt.
      assert.ok(r.endAt - t0 >= 180 && r.endAt - t0 < 5000, `took ${r.endAt - t0} ms`);
      const next = await send(conn, { url: url('/ok'), keepBody: true });
      assert.equal(next.kind, 'ok', next.error);
      assert.equal(next.body?.toString(), 'ok');
    });

    contractCase('close() completes the in-flight request at once as aborted', async ({ send, once }) => {
      const conn = open();
      assert.equal((await send(conn, { url: url('/ok') })).kind, 'ok');
      let seen: string | undefined;
      conn.request(
        prepareRequest({ url: url('/hang') }),
        once('GET /hang closed in flight', (info) => (seen = info.kind)),
      );
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(seen, undefined);
      conn.close();
      assert.equal(seen, 'aborted');
      const after = await send(conn, { url: url('/ok') });
      assert.equal(after.kind, 'aborted', 'a closed connection stays closed');
    });

    contractCase('reports a refused connection', async ({ send }) => {
      const conn = subject.open(new URL(await subject.refusedUrl()));
      conns.push(conn);
      const r = await send(conn, { url: await subject.refusedUrl() });
      assert.equal(r.kind, 'refused');
      assert.equal(r.error, 'ECONNREFUSED');
      assert.equal(r.status, 0);
    });

    if (subject.http1) {
      contractCase('reconnects after Connection: close, once per request', async ({ send }) => {
        const before = target.connections();
        const conn = open();
        for (let i = 0; i < 10; i++) {
          const r = await send(conn, { url: url('/close'), keepBody: true });
          assert.equal(r.kind, 'ok', r.error);
          assert.equal(r.body?.toString(), 'bye!!');
          assert.ok(r.connectMs >= 0);
        }
        assert.equal(target.connections() - before, 10);
      });
    }

    // Stands alone: it runs every case above again (timeouts, aborts, refusals, reconnects included)
    // with its own list of violations, then waits for late second callbacks.
    it('never calls a callback twice', async () => {
      const violations: string[] = [];
      const env = envOf(violations);
      for (const [name, run] of cases) {
        await run(env).catch((err: unknown) => {
          throw new Error(`case '${name}' failed before its callbacks could be judged`, { cause: err });
        });
      }
      await new Promise((r) => setTimeout(r, LATE_CALLBACK_GRACE_MS));
      assert.deepEqual(violations, []);
    });
  });
}
