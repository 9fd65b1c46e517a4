import { processAdapter, type PlanContext } from './process-adapter.js';
import { PYTHON_OPTION, python, pythonImports } from './python-adapters.js';
import type { ServerAdapter, ServerOptionSpec } from './server-adapter.js';

/** ASGI_APP is the ASGI callable of apps/asgi_app.py, imported from the apps folder (the servers' cwd). */
const ASGI_APP = 'asgi_app:application';

const int = (context: PlanContext, key: string): string => String(context.settings[key]);
const num = (context: PlanContext, key: string): number => context.settings[key] as number;

const WORKERS = (fallback: number, note: string): ServerOptionSpec => ({ type: 'integer', min: 1, default: fallback, description: `worker processes (--workers); ${note}` });

/**
 * allLogged matches a log once `line` appears `times` times: ready means every worker has started its
 * event loop, so a load never starts while some workers still boot.
 */
function allLogged(line: string, times: number): RegExp {
  return new RegExp(`(?:${line}[\\s\\S]*){${times}}`);
}

const uvicorn: ServerAdapter = processAdapter({
  name: 'uvicorn',
  description: 'uvicorn (h11, asyncio): workers=1 is one process with no supervisor; N>1 never replaces a dead worker',
  runtime: 'asgi',
  options: {
    python: PYTHON_OPTION,
    workers: WORKERS(1, '1 runs without a supervisor'),
    limit_concurrency: { type: 'integer', min: 0, default: 0, description: 'connections or tasks before answering 503, 0 = no limit (--limit-concurrency)' },
    limit_max_requests: { type: 'integer', min: 0, default: 0, description: 'a worker exits after this many requests, 0 = never (--limit-max-requests)' },
    timeout_keep_alive: { type: 'integer', min: 0, default: 5, description: 'seconds an idle keep-alive connection lives (--timeout-keep-alive)' },
  },
  available: pythonImports('uvicorn', 'python3-uvicorn'),
  plan: (c) => {
    const workers = num(c, 'workers');
    return {
      command: python(c),
      args: [
        '-m', 'uvicorn',
        '--host', c.host,
        '--port', String(c.port),
        '--workers', String(workers),
        ...(num(c, 'limit_concurrency') > 0 ? ['--limit-concurrency', int(c, 'limit_concurrency')] : []),
        ...(num(c, 'limit_max_requests') > 0 ? ['--limit-max-requests', int(c, 'limit_max_requests')] : []),
        '--timeout-keep-alive', int(c, 'timeout_keep_alive'),
        // The app finds the connection for `reset` by scope["client"]: keep it the socket's peer.
        '--no-proxy-headers',
        '--no-access-log',
        '--app-dir', c.files.dir,
        ASGI_APP,
      ],
      cwd: c.files.dir,
      env: { PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' },
      // N>1: a supervisor, multiprocessing's resource tracker and N spawned workers.
      ...(workers > 1 ? { expectedProcesses: workers + 2, readyLog: allLogged('Application startup complete', workers) } : {}),
    };
  },
});

const hypercorn: ServerAdapter = processAdapter({
  name: 'hypercorn',
  description: 'hypercorn (asyncio worker): workers=1 is one process; N>1 never replaces a dead worker, and exits when all are dead',
  runtime: 'asgi',
  options: {
    python: PYTHON_OPTION,
    workers: WORKERS(1, '1 runs in the one process'),
    keep_alive: { type: 'integer', min: 0, default: 5, description: 'seconds an idle keep-alive connection lives (--keep-alive)' },
    graceful_timeout: { type: 'number', min: 0, default: 3, description: 'seconds a stopping worker waits for running requests (--graceful-timeout)' },
  },
  available: pythonImports('hypercorn', 'python3-hypercorn'),
  plan: (c) => {
    const workers = num(c, 'workers');
    return {
      command: python(c),
      args: [
        '-m', 'hypercorn',
        '--bind', `${c.host}:${c.port}`,
        '--workers', String(workers),
        '--keep-alive', int(c, 'keep_alive'),
        '--graceful-timeout', int(c, 'graceful_timeout'),
        ASGI_APP,
      ],
      cwd: c.files.dir,
      env: { PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' },
      ...(workers > 1 ? { expectedProcesses: workers + 1, readyLog: allLogged('Running on http', workers) } : {}),
    };
  },
});

const daphne: ServerAdapter = processAdapter({
  name: 'daphne',
  description: "daphne (Django Channels' server, Twisted on asyncio): one process; http_timeout answers a silent request 503",
  runtime: 'asgi',
  options: {
    python: PYTHON_OPTION,
    http_timeout: {
      type: 'integer',
      min: 0,
      default: 0,
      description: 'seconds before an unanswered request gets 503 (a started response is cut off with the connection left open), 0 = never (--http-timeout)',
    },
    application_close_timeout: { type: 'integer', min: 0, default: 10, description: 'seconds the app has to finish after the client left (--application-close-timeout)' },
  },
  available: pythonImports('daphne, twisted, autobahn', 'daphne'),
  plan: (c) => ({
    command: python(c),
    args: [
      '-m', 'daphne',
      '--bind', c.host,
      '--port', String(c.port),
      ...(num(c, 'http_timeout') > 0 ? ['--http-timeout', int(c, 'http_timeout')] : []),
      '--application-close-timeout', int(c, 'application_close_timeout'),
      '--access-log', '/dev/null',
      ASGI_APP,
    ],
    cwd: c.files.dir,
    env: { PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' },
  }),
});

const gunicornUvicorn: ServerAdapter = processAdapter({
  name: 'gunicorn-uvicorn',
  description: "gunicorn's arbiter with uvicorn workers: a dead worker is re-forked; --timeout kills one whose event loop is blocked",
  runtime: 'asgi',
  options: {
    python: PYTHON_OPTION,
    workers: { type: 'integer', min: 1, default: 2, description: 'worker processes (--workers)' },
    timeout: { type: 'number', min: 0, default: 30, description: 'seconds a worker whose loop stops ticking lives before the arbiter kills it (--timeout)' },
    max_requests: { type: 'integer', min: 0, default: 0, description: 'recycle a worker after this many requests, 0 = never (--max-requests)' },
  },
  available: pythonImports('gunicorn, uvicorn.workers', 'gunicorn python3-uvicorn'),
  plan: (c) => {
    const workers = num(c, 'workers');
    return {
      command: python(c),
      args: [
        '-m', 'gunicorn',
        '--bind', `${c.host}:${c.port}`,
        '--workers', String(workers),
        '--worker-class', 'uvicorn.workers.UvicornWorker',
        '--timeout', int(c, 'timeout'),
        '--max-requests', int(c, 'max_requests'),
        '--chdir', c.files.dir,
        ASGI_APP,
      ],
      cwd: c.files.dir,
      env: { PYTHONDONTWRITEBYTECODE: '1' },
      expectedProcesses: workers + 1,
      readyLog: allLogged('Application startup complete', workers),
    };
  },
});

/**
 * asgiAdapters serve the ASGI behaviour app (apps/asgi_app.py) with the ASGI servers Debian packages:
 * uvicorn, hypercorn, daphne, and gunicorn's arbiter over uvicorn workers. What each version here
 * does when a worker dies or its loop blocks is in docs/behaviours.md.
 */
export const asgiAdapters: readonly ServerAdapter[] = [uvicorn, hypercorn, daphne, gunicornUvicorn];
