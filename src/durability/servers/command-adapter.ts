import { usageError } from '../../core/errors.js';
import { processAdapter } from './process-adapter.js';
import type { ServerAdapter } from './server-adapter.js';

/** Placeholder is a `{name}` a command line may hold (documented in docs/behaviours.md). */
type Placeholder = 'port' | 'host' | 'app' | 'asgi_app' | 'app_dir' | 'wsgi_file' | 'node_app';

/** shellQuote quotes a value for /bin/sh unless it is plainly safe. */
function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * commandAdapter runs any server command line, given as the `cmd` setting (on the CLI everything after
 * `command:`), through /bin/sh in its own process group. Placeholders: `{port}`, `{host}`, `{app}`
 * (`wsgi_app:application`, with the app's folder as the working directory), `{asgi_app}`
 * (`asgi_app:application`), `{app_dir}`,
 * `{wsgi_file}` (wsgi_app.py) and `{node_app}` (the Node server entry point, which takes
 * `node-http|express|fastify HOST PORT`). `ready_path` (default /plain) must answer 200.
 */
export const commandAdapter: ServerAdapter = processAdapter({
  name: 'command',
  description: 'any command line, with {port}, {host} and {app} placeholders (command:gunicorn -b {host}:{port} {app})',
  runtime: 'any',
  options: {
    cmd: { type: 'string', description: 'the command line, run by /bin/sh' },
    ready_path: { type: 'string', default: '/plain', description: 'path that answers 200 once the server is ready' },
    processes: { type: 'integer', min: 1, description: 'processes to wait for before calling it ready' },
  },
  available: () => Promise.resolve({ ok: true }),
  plan: (c) => {
    const cmd = c.settings['cmd'];
    if (typeof cmd !== 'string' || cmd.trim() === '') {
      throw usageError('the command server needs a command line', "write it as -s 'command:<command line with {port}>'");
    }
    const values: Record<Placeholder, string> = {
      port: String(c.port),
      host: c.host,
      app: 'wsgi_app:application',
      asgi_app: 'asgi_app:application',
      app_dir: c.files.dir,
      wsgi_file: c.files.wsgiApp,
      node_app: `${shellQuote(process.execPath)} ${shellQuote(c.files.nodeServerMain)}`,
    };
    const line = cmd.replace(/\{(\w+)\}/g, (whole, key: string) =>
      Object.hasOwn(values, key) ? (key === 'node_app' ? values.node_app : shellQuote(values[key as Placeholder])) : whole,
    );
    const processes = c.settings['processes'] as number | undefined;
    return {
      command: '/bin/sh',
      args: ['-c', line],
      cwd: c.files.dir,
      readyPath: c.settings['ready_path'] as string,
      ...(processes === undefined ? {} : { expectedProcesses: processes }),
    };
  },
});
