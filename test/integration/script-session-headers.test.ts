import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { HttpSession } from '../../src/scenarios/script/http-session.js';

/**
 * A raw keep-alive server: the n-th request on a connection gets `X-Seq: n`, repeated and oddly
 * cased headers, two Set-Cookie lines (one with a comma in its Expires) on the first response only,
 * and its head written in two pieces. It records the requests' Cookie headers and counts connections.
 */
async function startHeaderTarget(): Promise<{ url: string; connections: () => number; cookies: string[]; close: () => Promise<void> }> {
  let connections = 0;
  const cookies: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    let seq = 0;
    let pending = '';
    s.on('data', (d) => {
      pending += d.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        const head = pending.slice(0, end);
        pending = pending.slice(end + 4);
        cookies.push(/\r\ncookie: ([^\r]*)/i.exec(head)?.[1] ?? '');
        seq++;
        const body = `body ${seq}`;
        const first = seq === 1 ? 'Set-Cookie: sid=abc; Path=/\r\nSET-COOKIE: theme=dark; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Path=/\r\n' : '';
        // The head goes out in two writes, so the parser may see it split (kept in its own buffer).
        s.write(`HTTP/1.1 200 OK\r\nX-Seq: ${seq}\r\nX-Multi: one\r\n${first}`);
        setImmediate(() => s.write(`x-multi:   two  \r\nX-Path: ${/^GET (\S+)/.exec(head)?.[1] ?? ''}\r\nContent-Length: ${body.length}\r\n\r\n${body}`));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    cookies,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

test('response headers are parsed when read: lower-case names, repeated ones joined, right after later requests on the same connection, Set-Cookie reaches the jar', async (t) => {
  const target = await startHeaderTarget();
  t.after(() => target.close());
  const http = new HttpSession({ target: target.url }, undefined);
  t.after(() => http.close());

  const r1 = await http.get('/one');
  const r2 = await http.get('/two');
  const r3 = await http.get('/three');
  assert.equal(target.connections(), 1, 'the three requests shared one kept-alive connection (and its read buffer)');

  // Read only now, after the connection has parsed two more responses.
  assert.deepEqual(r1.headers, {
    'x-seq': '1',
    'x-multi': 'one, two',
    'set-cookie': 'sid=abc; Path=/, theme=dark; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Path=/',
    'x-path': '/one',
    'content-length': '6',
  });
  assert.deepEqual(r3.headers, { 'x-seq': '3', 'x-multi': 'one, two', 'x-path': '/three', 'content-length': '6' });
  assert.equal(r2.headers['x-seq'], '2');
  assert.equal(r2.headers, r2.headers, 'parsed once, then the same record');
  assert.equal(r1.text(), 'body 1');
  assert.equal(r3.text(), 'body 3');

  // Nobody read r1's headers before r2 went out: the jar got its cookies from the raw head anyway.
  assert.deepEqual(target.cookies, ['', 'sid=abc; theme=dark', 'sid=abc; theme=dark']);
  assert.equal(http.cookies.get('theme'), 'dark');
});
