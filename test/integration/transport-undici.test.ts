import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type net from 'node:net';
import { Http1Connection } from '../../src/transport/http1-connection.js';
import { openConnection } from '../../src/transport/open-connection.js';
import { UndiciConnection } from '../../src/transport/undici-connection.js';
import { connectionContract, freePort, listen, send, trackConnections, type ContractTarget, type Handler } from './transport-contract.js';
import { selfSignedCert } from './transport-self-signed.js';

const tlsFiles = selfSignedCert();

async function serve(server: net.Server, scheme: 'http' | 'https'): Promise<ContractTarget> {
  const track = trackConnections(server);
  const port = await listen(server);
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    connections: track.connections,
    close: () => new Promise<void>((r) => (track.destroyAll(), server.close(() => r()))),
  };
}

const asHandler = (h: Handler) => h as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void;

connectionContract({
  name: 'UndiciConnection, HTTP/1.1 over http',
  http1: true,
  start: (handler) => serve(http.createServer(handler), 'http'),
  open: (origin, options) => new UndiciConnection(origin, options),
  refusedUrl: async () => `http://127.0.0.1:${await freePort()}/`,
});

connectionContract({
  name: 'UndiciConnection, HTTP/1.1 over TLS (self-signed, insecure)',
  http1: true,
  start: (handler) => serve(https.createServer(tlsFiles, handler), 'https'),
  open: (origin, options) => openConnection(origin, { ...options, insecure: true }),
  refusedUrl: async () => `https://127.0.0.1:${await freePort()}/`,
});

connectionContract({
  name: 'UndiciConnection, HTTP/2 over TLS (ALPN)',
  http1: false,
  start: (handler) => serve(http2.createSecureServer(tlsFiles, asHandler(handler)), 'https'),
  open: (origin, options) => openConnection(origin, { ...options, insecure: true, http2: true }),
  refusedUrl: async () => `https://127.0.0.1:${await freePort()}/`,
});

connectionContract({
  name: 'UndiciConnection, HTTP/2 cleartext (h2c, prior knowledge)',
  http1: false,
  start: (handler) => serve(http2.createServer(asHandler(handler)), 'http'),
  open: (origin, options) => openConnection(origin, { ...options, http2: true }),
  refusedUrl: async () => `http://127.0.0.1:${await freePort()}/`,
});

describe('UndiciConnection specifics', { timeout: 30_000 }, () => {
  it('openConnection picks the lean client for http and undici otherwise', () => {
    assert.ok(openConnection(new URL('http://127.0.0.1:1')) instanceof Http1Connection);
    assert.ok(openConnection(new URL('https://127.0.0.1:1')) instanceof UndiciConnection);
    assert.ok(openConnection(new URL('http://127.0.0.1:1'), { http2: true }) instanceof UndiciConnection);
  });

  it('reports a request undici refuses at once later, as protocol', async () => {
    const target = await serve(http.createServer((_q, s) => s.end('ok')), 'http');
    const conn = new UndiciConnection(new URL(target.url));
    try {
      const r = await send(conn, { url: target.url, headers: { expect: '100-continue' } });
      assert.equal(r.kind, 'protocol');
      assert.equal((await send(conn, { url: target.url })).kind, 'ok');
    } finally {
      conn.close();
      await target.close();
    }
  });

  it('refuses a self-signed certificate unless insecure, as tls', async () => {
    const target = await serve(https.createServer(tlsFiles, (_q, s) => s.end('ok')), 'https');
    const strict = openConnection(new URL(target.url));
    const lax = openConnection(new URL(target.url), { insecure: true });
    try {
      const r = await send(strict, { url: target.url });
      assert.equal(r.kind, 'tls');
      assert.equal(r.error, 'DEPTH_ZERO_SELF_SIGNED_CERT');
      assert.equal((await send(lax, { url: target.url })).kind, 'ok');
    } finally {
      strict.close();
      lax.close();
      await target.close();
    }
  });

  it('speaks HTTP/2 when asked, on TLS and in cleartext, over one session', async () => {
    const handler = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
      res.setHeader('x-version', req.httpVersion);
      res.end('v');
    };
    for (const [server, scheme] of [
      [http2.createSecureServer(tlsFiles, handler), 'https'],
      [http2.createServer(handler), 'http'],
    ] as const) {
      const target = await serve(server, scheme);
      const conn = openConnection(new URL(target.url), { http2: true, insecure: true, keepHeaders: true });
      try {
        for (let i = 0; i < 20; i++) {
          const r = await send(conn, { url: `${target.url}/x` });
          assert.equal(r.kind, 'ok', r.error);
          assert.equal(r.headers?.['x-version'], '2.0');
          assert.equal(r.connectMs >= 0, i === 0);
        }
        assert.equal(target.connections(), 1);
      } finally {
        conn.close();
        await target.close();
      }
    }
  });
});
