/**
 * nginx-target is the benchmark's second target: nginx (Debian `nginx-light`) with one process
 * answering every request with 200 "ok" over keep-alive — so fast that the load generator, not the
 * server, is the limit, which shows what a generator costs.
 *
 * Its configuration is generated into a private temporary folder (pid file, error log and temp paths
 * there too; no access log): `daemon off`, `master_process off` (one process, which serves and is the
 * process group the harness ends by id), keep-alive without limits, `listen 127.0.0.1:PORT` on a port
 * the system just gave out. The stub_status module (built into nginx-light) counts the requests
 * exactly: `stats()` reads its `requests` total, less the stub_status requests themselves, and the
 * process's CPU from /proc, so runs against nginx get the same count check and target CPU figure
 * as against the node target.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killGroup, readProc, startPinned, type BenchTarget, type TargetCounters, type Tools } from './measured-process.js';

/** STATUS_PATH is where stub_status answers; generators only ever ask for `/`. */
const STATUS_PATH = '/__bench_status';

/** nginxConfig is the whole nginx.conf of the target, everything it writes kept inside `dir`. */
export function nginxConfig(dir: string, port: number): string {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events {
  worker_connections 16384;
}
http {
  access_log off;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  keepalive_requests 1000000000;
  keepalive_timeout 600s;
  server {
    listen 127.0.0.1:${port} backlog=65535;
    location = ${STATUS_PATH} {
      stub_status;
    }
    location / {
      default_type text/plain;
      return 200 "ok";
    }
  }
}
`;
}

/** freePort asks the system for a free loopback port (closed again right away, for nginx to take). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve, reject) => s.once('error', reject).listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** readStatus GETs stub_status and returns its `requests` total and active connections. */
function readStatus(port: number): Promise<{ requests: number; active: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: STATUS_PATH, agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => {
        // Active connections: 1 \n server accepts handled requests \n 16 16 31 \n Reading: …
        const active = /Active connections:\s*(\d+)/.exec(body);
        const totals = /\n\s*(\d+)\s+(\d+)\s+(\d+)\s*\n/.exec(body);
        if (res.statusCode !== 200 || !active || !totals) return reject(new Error(`unexpected stub_status answer: ${res.statusCode} ${body.slice(0, 200)}`));
        resolve({ requests: Number(totals[3]), active: Number(active[1]) });
      });
    });
    req.on('timeout', () => req.destroy(new Error('stub_status did not answer in 5 s')));
    req.on('error', reject);
  });
}

/** NginxTarget is a running nginx target. */
export class NginxTarget implements BenchTarget {
  readonly name = 'nginx';
  readonly pid: number;
  readonly port: number;
  private readonly dir: string;
  private readonly clkTck: number;
  private statusReads = 0;
  private peakOpen = 0;

  private constructor(pid: number, port: number, dir: string, clkTck: number) {
    this.pid = pid;
    this.port = port;
    this.dir = dir;
    this.clkTck = clkTck;
  }

  /** start writes the configuration, starts `nginx` pinned to `cpu` and resolves once it answers. */
  static async start(bin: string, cpu: number | undefined, tools: Tools): Promise<NginxTarget> {
    const dir = mkdtempSync(join(tmpdir(), 'gauntlet-bench-nginx-'));
    const port = await freePort();
    const conf = join(dir, 'nginx.conf');
    writeFileSync(conf, nginxConfig(dir, port));
    // -p: prefix (relative paths), -e: the early error log (before the configuration is read).
    const child = startPinned([bin, '-p', dir, '-e', join(dir, 'error.log'), '-c', conf], cpu, tools, 'ignore');
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdout!.resume();
    let exited: number | null | undefined;
    child.once('exit', (c) => (exited = c));
    const target = new NginxTarget(child.pid!, port, dir, tools.clkTck);
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await target.stats();
        return target;
      } catch (e) {
        if (exited !== undefined || Date.now() > deadline) {
          await target.stop();
          throw new Error(`nginx did not start${exited !== undefined ? ` (exit ${exited})` : ''}: ${err.trim() || (e as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** stats: requests from stub_status (without its own), connections open now, CPU from /proc. */
  async stats(): Promise<TargetCounters> {
    const s = await readStatus(this.port);
    // stub_status counts the request that reads it: every read so far, this one included.
    this.statusReads++;
    const open = s.active - 1;
    if (open > this.peakOpen) this.peakOpen = open;
    const proc = readProc(this.pid, this.clkTck);
    return { requests: s.requests - this.statusReads, connections: NaN, open, peakOpen: this.peakOpen, cpuMs: proc ? proc.cpuSec * 1000 : NaN };
  }

  /** resetPeak: nginx does not keep a peak; this one is the most seen at a `stats()` call. */
  async resetPeak(): Promise<void> {
    this.peakOpen = 0;
    await Promise.resolve();
  }

  /** stop ends nginx by its process group id and removes its folder. */
  async stop(): Promise<void> {
    await killGroup(this.pid);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
