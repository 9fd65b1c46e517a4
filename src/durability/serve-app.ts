import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GauntletError } from '../core/errors.js';
import { locateAppFiles } from './apps/app-files.js';
import { nodeBehaviourApp } from './apps/node-app.js';
import { commandWorks } from './servers/command-works.js';
import { findFreePort } from './servers/process-adapter.js';

/** ServeAppOptions choose the app and where it listens. */
export interface ServeAppOptions {
  runtime: 'node' | 'wsgi';
  /** port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** host to bind; default 127.0.0.1. */
  host?: string;
  /** python runs the WSGI app; default $GAUNTLET_PYTHON or `python3` (wsgiref is stdlib). */
  python?: string;
  /** onLog receives the wsgiref server's stdout/stderr lines (default: dropped). */
  onLog?: (text: string) => void;
}

/** ServedApp is a standalone behaviour app that is listening. */
export interface ServedApp {
  readonly url: string;
  readonly port: number;
  /** closed settles when the app stops serving (close(), a crash, a segfault). */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

/**
 * serveApp serves one behaviour app standalone, for `gauntlet serve-app` and for trying a behaviour by
 * hand. `node` serves the Node app in this process with node:http (so `crash` and `segfault` end this
 * process, which is the point); `wsgi` runs the WSGI app under Python's wsgiref in a child process.
 */
export async function serveApp(options: ServeAppOptions): Promise<ServedApp> {
  const host = options.host ?? '127.0.0.1';
  return options.runtime === 'node' ? serveNode(host, options.port ?? 0) : serveWsgi(host, options.port ?? 0, options);
}

async function serveNode(host: string, port: number): Promise<ServedApp> {
  const server = http.createServer((req, res) => {
    try {
      nodeBehaviourApp(req, res);
    } catch {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain', 'content-length': 22 });
        res.end('Internal Server Error\n');
      } else res.destroy();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(listenError(host, port, error)));
    server.listen(port, host, resolve);
  });
  const actual = (server.address() as AddressInfo).port;
  const closed = new Promise<void>((resolve) => server.once('close', resolve));
  return {
    url: `http://${host}:${actual}`,
    port: actual,
    closed,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function serveWsgi(host: string, port: number, options: ServeAppOptions): Promise<ServedApp> {
  const python = options.python ?? process.env['GAUNTLET_PYTHON'] ?? 'python3';
  const files = locateAppFiles();
  const check = await commandWorks(python, ['-c', 'import wsgiref'], 'install Python 3.11 (python3)');
  if (!check.ok) throw new GauntletError('GAUNTLET_SERVER_FAILED', `cannot run the WSGI app: ${check.why}`, { hint: check.install });
  if (port === 0) port = await findFreePort(host);
  const child: ChildProcess = spawn(python, [files.wsgiServe, 'wsgiref', host, String(port)], {
    cwd: files.dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
  });
  let log = '';
  const onData = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    if (log.length < 64 * 1024) log += text;
    options.onLog?.(text);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const closed = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await waitListening(host, port, closed, 10_000);
  if (!ready) {
    child.kill('SIGKILL');
    throw new GauntletError('GAUNTLET_SERVER_FAILED', `the WSGI app did not start on ${host}:${port}; its output:\n${log.trim()}`, {
      hint: `try it by hand: ${python} ${files.wsgiServe} wsgiref ${host} ${port}`,
    });
  }
  return {
    url: `http://${host}:${port}`,
    port,
    closed,
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await closed;
    },
  };
}

function listenError(host: string, port: number, error: Error): GauntletError {
  return new GauntletError('GAUNTLET_SERVER_FAILED', `cannot listen on ${host}:${port}: ${error.message}`, {
    hint: 'choose another --port, or 0 for a free one',
    exitCode: 2,
  });
}

/** waitListening polls GET /plain until it answers 200, the process exits, or the time is up. */
async function waitListening(host: string, port: number, exited: Promise<void>, ms: number): Promise<boolean> {
  let gone = false;
  void exited.then(() => (gone = true));
  const end = performance.now() + ms;
  while (!gone && performance.now() < end) {
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.get({ host, port, path: '/plain', agent: false, timeout: 500 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}
