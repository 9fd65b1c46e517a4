import { Command } from 'commander';
import { usageError } from '../../core/errors.js';
import { parsePositiveInt } from '../../core/units.js';
import { serveApp } from '../../durability/serve-app.js';
import { out, strictCommand } from '../io.js';
import { untilSignal } from './durability-common.js';

interface ServeAppFlags {
  runtime: string;
  port: string;
  host: string;
}

/**
 * serveAppCommand is `gauntlet serve-app`: one behaviour app served standalone (node: node:http in
 * this process; wsgi: Python's wsgiref), to try behaviours by hand or to put behind your own server.
 * Ctrl-C stops it (exit 0); a crash or segfault behaviour ends it, which is the point.
 */
export function serveAppCommand(setExit: (code: number) => void): Command {
  return strictCommand(new Command('serve-app'))
    .description('serve the behaviour app standalone (node or wsgi) until Ctrl-C; see docs/behaviours.md')
    .option('--runtime <runtime>', 'node (node:http, in this process) or wsgi (Python wsgiref)', 'node')
    .option('--port <n>', 'port to listen on (0: a free one)', '0')
    .option('--host <host>', 'address to bind (the app is meant for loopback only)', '127.0.0.1')
    .action(async (f: ServeAppFlags) => {
      if (f.runtime !== 'node' && f.runtime !== 'wsgi') throw usageError(`unknown runtime '${f.runtime}'`, 'use --runtime node or --runtime wsgi');
      const port = parsePositiveInt(f.port, '--port', 0);
      if (port > 65535) throw usageError(`--port must be at most 65535, got ${port}`, 'for example --port 8000');
      const app = await serveApp({ runtime: f.runtime, port, host: f.host });
      out(`Serving the ${f.runtime} behaviour app at ${app.url} (try ${app.url}/sleep?seconds=0.5); press Ctrl-C to stop.\n`);
      let closed = false;
      void app.closed.then(() => (closed = true));
      await untilSignal(app.closed);
      const died = closed;
      if (!died) await app.close();
      out(died ? 'The app stopped serving (a crash or segfault behaviour?).\n' : 'Stopped.\n');
      setExit(died ? 1 : 0);
    });
}
