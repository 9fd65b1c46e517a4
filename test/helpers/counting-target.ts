import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** CountingTarget is a real HTTP server on 127.0.0.1 that counts what it receives. */
export interface CountingTarget {
  readonly url: string;
  readonly port: number;
  /** requests received (by path, and in total). */
  requests: number;
  byPath: Map<string, number>;
  /** connections accepted. */
  connections: number;
  /** arrival times (performance.now ms) of requests, kept when `keepTimes` was set. */
  times: number[];
  /** freeze holds every response for `ms` milliseconds from now (a stalled server). */
  freeze(ms: number): void;
  close(): Promise<void>;
}

/** CountingTargetOptions shape the target's answers. */
export interface CountingTargetOptions {
  /** handler answers instead of the default 200 "ok". */
  handler?: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  keepTimes?: boolean;
  /** delayMs delays every response. */
  delayMs?: number;
}

/**
 * startCountingTarget starts a server on 127.0.0.1:0 whose counts a test compares with the client's.
 * Default route: 200 with body "ok"; `/status/NNN` answers NNN; `/delay/MS` answers after MS.
 */
export async function startCountingTarget(options: CountingTargetOptions = {}): Promise<CountingTarget> {
  let frozenUntil = 0;
  const sockets = new Set<import('node:net').Socket>();
  const t: CountingTarget = {
    url: '',
    port: 0,
    requests: 0,
    byPath: new Map(),
    connections: 0,
    times: [],
    freeze(ms: number) {
      frozenUntil = performance.now() + ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const answer = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (options.handler) return options.handler(req, res);
    const path = (req.url ?? '/').split('?')[0]!;
    const m = /^\/status\/(\d{3})$/.exec(path);
    const d = /^\/delay\/(\d+)$/.exec(path);
    const send = () => {
      res.writeHead(m ? Number(m[1]) : 200, { 'content-type': 'text/plain' });
      res.end('ok');
    };
    if (d) setTimeout(send, Number(d[1]));
    else send();
  };
  const server = http.createServer((req, res) => {
    t.requests++;
    const path = (req.url ?? '/').split('?')[0]!;
    t.byPath.set(path, (t.byPath.get(path) ?? 0) + 1);
    if (options.keepTimes) t.times.push(performance.now());
    req.resume();
    req.on('end', () => {
      const wait = Math.max(frozenUntil - performance.now(), options.delayMs ?? 0);
      if (wait > 0) setTimeout(() => answer(req, res), wait);
      else answer(req, res);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s) => {
    t.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(t, { url: `http://127.0.0.1:${port}`, port });
}
