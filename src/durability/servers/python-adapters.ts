import { existsSync } from 'node:fs';
import { commandWorks } from './command-works.js';
import { processAdapter, type PlanContext } from './process-adapter.js';
import type { ServerAdapter, ServerOptionSpec } from './server-adapter.js';

/**
 * defaultPython is the interpreter for the Python servers: $GAUNTLET_PYTHON, else Debian's
 * /usr/bin/python3 (the apt packages install only for it; a pyenv `python3` first on PATH cannot
 * import them), else `python3`.
 */
export function defaultPython(): string {
  return process.env['GAUNTLET_PYTHON'] ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
}

/** PYTHON_OPTION is the `python` option of every Python server adapter. */
export const PYTHON_OPTION: ServerOptionSpec = { type: 'string', description: 'Python interpreter (default $GAUNTLET_PYTHON or /usr/bin/python3)' };
const THREADS = (fallback: number): ServerOptionSpec => ({ type: 'integer', min: 1, default: fallback, description: 'worker threads' });

/** python is the interpreter a plan runs: the `python` setting, else defaultPython(). */
export const python = (context: PlanContext): string => (context.settings['python'] as string | undefined) ?? defaultPython();
const int = (context: PlanContext, key: string): string => String(context.settings[key]);

/** pythonImports checks that the interpreter imports `module`; `apt` is the install hint. */
export function pythonImports(module: string, apt: string) {
  return () => commandWorks(defaultPython(), ['-c', `import ${module}`], `apt-get install -y ${apt}`);
}

/** launcher builds an adapter for a server started by apps/wsgi_serve.py (wsgiref and Labour's servers). */
function launcher(name: string, description: string, module: string, apt: string, threads?: number): ServerAdapter {
  return processAdapter({
    name,
    description,
    runtime: 'wsgi',
    options: threads === undefined ? { python: PYTHON_OPTION } : { python: PYTHON_OPTION, threads: THREADS(threads) },
    available: pythonImports(module, apt),
    plan: (c) => ({
      command: python(c),
      args: [c.files.wsgiServe, name, c.host, String(c.port), ...(threads === undefined ? [] : [`threads=${int(c, 'threads')}`])],
      cwd: c.files.dir,
      env: { PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
    }),
  });
}

function gunicorn(workerClass: 'sync' | 'gthread'): ServerAdapter {
  const options: Record<string, ServerOptionSpec> = {
    python: PYTHON_OPTION,
    workers: { type: 'integer', min: 1, default: 2, description: 'worker processes (--workers)' },
    timeout: { type: 'number', min: 0, default: 30, description: 'seconds a silent worker lives before the arbiter kills it (--timeout)' },
    max_requests: { type: 'integer', min: 0, default: 0, description: 'recycle a worker after this many requests, 0 = never (--max-requests)' },
  };
  if (workerClass === 'gthread') options['threads'] = THREADS(4);
  return processAdapter({
    name: `gunicorn-${workerClass}`,
    description:
      workerClass === 'sync'
        ? 'gunicorn, sync workers: one request per worker; --timeout kills a request that runs too long'
        : 'gunicorn, gthread workers: a thread pool per worker; --timeout does not cap a request',
    runtime: 'wsgi',
    options,
    available: pythonImports('gunicorn', 'gunicorn'),
    plan: (c) => ({
      command: python(c),
      args: [
        '-m', 'gunicorn',
        '--bind', `${c.host}:${c.port}`,
        '--workers', int(c, 'workers'),
        '--worker-class', workerClass,
        ...(workerClass === 'gthread' ? ['--threads', int(c, 'threads')] : []),
        '--timeout', int(c, 'timeout'),
        '--max-requests', int(c, 'max_requests'),
        '--chdir', c.files.dir,
        'wsgi_app:application',
      ],
      cwd: c.files.dir,
      env: { PYTHONDONTWRITEBYTECODE: '1' },
      expectedProcesses: (c.settings['workers'] as number) + 1,
    }),
  });
}

/**
 * pythonAdapters serve the WSGI behaviour app (apps/wsgi_app.py) with the Python servers Debian
 * packages: wsgiref (stdlib), gunicorn (sync and gthread), waitress, uWSGI, and Labour's own
 * gevent, tornado, twisted, cheroot (CherryPy's server), eventlet and paste.
 */
export const pythonAdapters: readonly ServerAdapter[] = [
  launcher('wsgiref', 'wsgiref (stdlib): one thread, one request at a time (Labour\'s default)', 'wsgiref', 'python3'),
  gunicorn('sync'),
  gunicorn('gthread'),
  processAdapter({
    name: 'waitress',
    description: 'waitress: one process, an I/O thread and a pool of worker threads; no per-request timeout',
    runtime: 'wsgi',
    options: {
      python: PYTHON_OPTION,
      threads: THREADS(4),
      connection_limit: { type: 'integer', min: 1, default: 100, description: 'simultaneous connections (--connection-limit)' },
      channel_timeout: { type: 'integer', min: 1, default: 120, description: 'seconds an idle connection lives (--channel-timeout)' },
    },
    available: pythonImports('waitress', 'python3-waitress'),
    plan: (c) => ({
      command: python(c),
      args: [
        '-m', 'waitress',
        `--listen=${c.host}:${c.port}`,
        `--threads=${int(c, 'threads')}`,
        `--connection-limit=${int(c, 'connection_limit')}`,
        `--channel-timeout=${int(c, 'channel_timeout')}`,
        'wsgi_app:application',
      ],
      cwd: c.files.dir,
      env: { PYTHONDONTWRITEBYTECODE: '1' },
    }),
  }),
  processAdapter({
    name: 'uwsgi',
    description: 'uWSGI with a master and N worker processes (--die-on-term); harakiri kills long requests',
    runtime: 'wsgi',
    options: {
      processes: { type: 'integer', min: 1, default: 2, description: 'worker processes (--processes)' },
      threads: { type: 'integer', min: 1, default: 1, description: 'threads per worker (--threads)' },
      harakiri: { type: 'integer', min: 0, default: 0, description: 'seconds before the master kills a busy worker, 0 = off (--harakiri)' },
      max_requests: { type: 'integer', min: 0, default: 0, description: 'recycle a worker after this many requests, 0 = never' },
      plugin: { type: 'string', default: 'python3', description: "Python plugin to load ('' for a uWSGI built with Python inside)" },
    },
    available: () => commandWorks('uwsgi', ['--need-plugin', 'python3', '--version'], 'apt-get install -y uwsgi uwsgi-plugin-python3'),
    plan: (c) => {
      const plugin = c.settings['plugin'] as string;
      const harakiri = c.settings['harakiri'] as number;
      const maxRequests = c.settings['max_requests'] as number;
      return {
        command: 'uwsgi',
        args: [
          ...(plugin ? ['--need-plugin', plugin] : []),
          '--http-socket', `${c.host}:${c.port}`,
          '--wsgi-file', c.files.wsgiApp,
          '--master',
          '--processes', int(c, 'processes'),
          ...((c.settings['threads'] as number) > 1 ? ['--threads', int(c, 'threads')] : []),
          ...(harakiri > 0 ? ['--harakiri', String(harakiri)] : []),
          ...(maxRequests > 0 ? ['--max-requests', String(maxRequests)] : []),
          '--die-on-term',
          '--need-app',
          '--disable-logging',
        ],
        cwd: c.files.dir,
        expectedProcesses: (c.settings['processes'] as number) + 1,
      };
    },
  }),
  launcher('gevent', "gevent.pywsgi (monkey-patched): one process, greenlets; a CPU wedge blocks everything", 'gevent', 'python3-gevent'),
  launcher('tornado', "tornado's WSGIContainer: the app runs on the IOLoop thread, so any blocking call stalls all", 'tornado', 'python3-tornado'),
  launcher('twisted', "twisted.web's WSGIResource on the reactor's thread pool", 'twisted.web.wsgi', 'python3-twisted', 10),
  launcher('cheroot', "cheroot (CherryPy's server): a thread pool", 'cheroot.wsgi', 'python3-cheroot', 10),
  launcher('eventlet', 'eventlet.wsgi (monkey-patched): one process, green threads', 'eventlet', 'python3-eventlet'),
  launcher('paste', "paste.httpserver: a thread pool", 'paste.httpserver', 'python3-paste', 10),
];
