/**
 * transport-micro measures the lean HTTP/1.1 transport per client CPU-second, against autocannon in
 * the same run and against the same server. Run by hand (not a test):
 *
 *   npx tsc -p tsconfig.json && node build/bench/transport-micro.js [--n 200000] [--c 50] [--rounds 3] [--no-peer] [--url URL]
 *
 * A node:http server answering "ok" runs in a child process, so its CPU is not counted. Each round
 * sends N sequential requests over C keep-alive connections, records every latency in an HDR
 * histogram (as autocannon does), and divides N by the client's user+system CPU time
 * (process.cpuUsage). autocannon runs in this process through its API with the same N and C.
 * With `--url` the bench uses a server already running there instead of starting one.
 */
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createHistogram } from '../src/metrics/histogram.js';
import { Http1Connection } from '../src/transport/http1-connection.js';
import { prepareRequest } from '../src/transport/prepared-request.js';
import type { ResponseInfo } from '../src/transport/response-info.js';

interface Figures {
  requests: number;
  cpuMs: number;
  wallMs: number;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function serve(): Promise<void> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
    res.end('ok');
  });
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.send!({ port: (server.address() as AddressInfo).port });
  process.on('disconnect', () => process.exit(0));
}

function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, url: `http://127.0.0.1:${(m as { port: number }).port}/` }));
    child.once('error', reject);
  });
}

function measure(run: (done: () => void) => void, requests: () => number): Promise<Figures> {
  return new Promise((resolve) => {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    run(() => {
      const cpu = process.cpuUsage(cpu0);
      resolve({ requests: requests(), cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - t0 });
    });
  });
}

function gauntlet(url: string, n: number, c: number): Promise<Figures> {
  const req = prepareRequest({ url });
  const hist = createHistogram();
  let sent = 0;
  let ok = 0;
  let failed = 0;
  return measure(
    (done) => {
      let open = c;
      for (let i = 0; i < c; i++) {
        const conn = new Http1Connection(new URL(url));
        const onResponse = (info: ResponseInfo): void => {
          if (info.kind === 'ok' && info.status === 200) {
            ok++;
            hist.recordValue(Math.max(1, Math.round((info.endAt - info.sentAt) * 1000)));
          } else failed++;
          if (sent < n) {
            sent++;
            conn.request(req, onResponse);
          } else {
            conn.close();
            if (--open === 0) {
              if (failed > 0) console.error(`gauntlet: ${failed} failed requests`);
              done();
            }
          }
        };
        sent++;
        conn.request(req, onResponse);
      }
    },
    () => ok,
  );
}

type AutocannonFn = (opts: Record<string, unknown>, cb: (err: unknown, result: { requests: { total: number }; errors: number; non2xx: number }) => void) => unknown;

function autocannon(url: string, n: number, c: number): Promise<Figures> {
  const ac = createRequire(import.meta.url)('autocannon') as AutocannonFn;
  let total = 0;
  return measure(
    (done) => {
      ac({ url, connections: c, amount: n }, (err, result) => {
        if (err) throw err;
        total = result.requests.total;
        if (result.errors > 0 || result.non2xx > 0) console.error(`autocannon: ${result.errors} errors, ${result.non2xx} non-2xx`);
        done();
      });
    },
    () => total,
  );
}

function line(name: string, f: Figures): string {
  const perCpu = Math.round(f.requests / (f.cpuMs / 1000));
  const perWall = Math.round(f.requests / (f.wallMs / 1000));
  return `${name.padEnd(10)} ${String(f.requests).padStart(8)} req  cpu ${f.cpuMs.toFixed(0).padStart(6)} ms  ${String(perCpu).padStart(7)} req/cpu-s  ${String(perWall).padStart(7)} req/s`;
}

async function main(): Promise<void> {
  const n = arg('--n', 200_000);
  const c = arg('--c', 50);
  const rounds = arg('--rounds', 3);
  const peer = !process.argv.includes('--no-peer');
  const external = process.argv.indexOf('--url');
  const { child, url } = external >= 0 ? { child: null, url: process.argv[external + 1]! } : await startServer();
  try {
    await gauntlet(url, 20_000, c); // warm up both sides
    if (peer) await autocannon(url, 20_000, c);
    const best = { gauntlet: 0, autocannon: 0 };
    for (let r = 0; r < rounds; r++) {
      const g = await gauntlet(url, n, c);
      console.log(line('gauntlet', g));
      best.gauntlet = Math.max(best.gauntlet, g.requests / g.cpuMs);
      if (peer) {
        const a = await autocannon(url, n, c);
        console.log(line('autocannon', a));
        best.autocannon = Math.max(best.autocannon, a.requests / a.cpuMs);
      }
    }
    if (peer) console.log(`best of ${rounds}: gauntlet/autocannon = ${(best.gauntlet / best.autocannon).toFixed(2)}x requests per client CPU-second`);
  } finally {
    child?.disconnect();
  }
}

if (process.argv.includes('--serve')) void serve();
else await main();
