/**
 * target is the minimal server `bench/run.ts` loads: node:http on 127.0.0.1 answering every request
 * with 200 "ok" over keep-alive. It runs in its own process (pinned to one CPU by the harness) so its
 * CPU is never counted against a load generator.
 *
 * It is built to hold 10,000 idle keep-alive connections for the many-users run: no connection cap,
 * a long keep-alive timeout, no request timeout, a large listen backlog.
 *
 * Protocol with the harness: on start it prints one line `{"port":N}` to stdout. Each line `stats`
 * on stdin is answered with one JSON line `{"requests","connections","open","peakOpen","cpuMs"}`
 * (totals since start; `peakOpen` since the last `reset-peak`). `reset-peak` answers `{"ok":true}`.
 *
 *   node build/bench/target.js [port]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';

/** TargetStats is what one `stats` line answers with. */
export interface TargetStats {
  requests: number;
  connections: number;
  open: number;
  peakOpen: number;
  cpuMs: number;
}

const BODY = Buffer.from('ok');
let requests = 0;
let connections = 0;
let open = 0;
let peakOpen = 0;

const server = http.createServer((_req, res) => {
  requests++;
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
  res.end(BODY);
});
server.maxConnections = 1_000_000;
server.keepAliveTimeout = 10 * 60_000;
server.headersTimeout = 10 * 60_000 + 1_000;
server.requestTimeout = 0;
server.maxRequestsPerSocket = 0;
server.on('connection', (socket) => {
  connections++;
  if (++open > peakOpen) peakOpen = open;
  socket.on('close', () => open--);
});
server.on('clientError', (_err, socket) => socket.destroy());

const port = Number(process.argv[2] ?? 0);
server.listen({ host: '127.0.0.1', port, backlog: 65_535 }, () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});

createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = line.trim();
  if (cmd === 'stats') {
    const cpu = process.cpuUsage();
    const stats: TargetStats = { requests, connections, open, peakOpen, cpuMs: (cpu.user + cpu.system) / 1000 };
    process.stdout.write(`${JSON.stringify(stats)}\n`);
  } else if (cmd === 'reset-peak') {
    peakOpen = open;
    process.stdout.write('{"ok":true}\n');
  }
});
process.stdin.on('end', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
