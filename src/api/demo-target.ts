import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** DemoTarget is the built-in target of `gauntlet demo`, listening on a free loopback port. */
export interface DemoTarget {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * startDemoTarget starts the demo server on 127.0.0.1:0. Routes: `/` answers at once; `/slow`
 * after 20 ms; `/flaky` answers 500 one time in twenty; `/mixed` is mostly instant, sometimes slow
 * (5–40 ms) and now and then an error — a small picture of a real service.
 */
export async function startDemoTarget(): Promise<DemoTarget> {
  let n = 0;
  const body = Buffer.from('{"ok":true}\n');
  const send = (res: http.ServerResponse, status: number) => {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  };
  const server = http.createServer((req, res) => {
    n++;
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/slow') setTimeout(() => send(res, 200), 20);
    else if (path === '/flaky') send(res, n % 20 === 0 ? 500 : 200);
    else if (path === '/mixed') {
      if (n % 50 === 0) send(res, 503);
      else if (n % 7 === 0) setTimeout(() => send(res, 200), 5 + (n % 36));
      else send(res, 200);
    } else if (path === '/') send(res, 200);
    else send(res, 404);
  });
  server.keepAliveTimeout = 30_000;
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
