/**
 * node-server-main is the entry point of the Node server adapters' child process:
 *   node node-server-main.js <node-http|node-cluster|express|fastify> <host> <port> [workers]
 * It serves the Node behaviour app and exits 0 on SIGTERM or SIGINT. The parent (servers/*) starts
 * it in its own process group and kills that group, so nothing here needs to outlive it.
 */
import cluster from 'node:cluster';
import http from 'node:http';
import { nodeBehaviourApp, type BehaviourHandler } from './node-app.js';

type Flavour = 'node-http' | 'node-cluster' | 'express' | 'fastify';

/** NodeServerHandle is what each flavour returns once listening: a way to stop accepting. */
interface NodeServerHandle {
  close(): void;
}

/**
 * catchingThrows wraps the app for bare `node:http`, which has no error handling of its own: a throw
 * out of the handler would be an uncaught exception that kills the process. Frameworks answer 500;
 * so do we, so that `throw` means "the handler failed" and not "the process crashed" everywhere.
 */
function catchingThrows(app: BehaviourHandler): BehaviourHandler {
  return (req, res) => {
    try {
      app(req, res);
    } catch (error) {
      process.stderr.write(`node-http: handler threw: ${(error as Error).message}\n`);
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain', 'content-length': 22 });
        res.end('Internal Server Error\n');
      } else res.destroy();
    }
  };
}

async function serveNodeHttp(host: string, port: number): Promise<NodeServerHandle> {
  const server = http.createServer(catchingThrows(nodeBehaviourApp));
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: 1024 }, resolve);
  });
  return { close: () => server.close() };
}

async function serveExpress(host: string, port: number): Promise<NodeServerHandle> {
  const { default: express } = await import('express');
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res) => nodeBehaviourApp(req, res));
  const server = await new Promise<http.Server>((resolve, reject) => {
    const s = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  return { close: () => server.close() };
}

async function serveFastify(host: string, port: number): Promise<NodeServerHandle> {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  // The app runs on the raw req/res first, so that a synchronous throw reaches Fastify's error
  // handler (500); only then is the reply hijacked, telling Fastify the response is ours.
  app.all('*', (request, reply) => {
    nodeBehaviourApp(request.raw, reply.raw);
    reply.hijack();
  });
  await app.listen({ port, host });
  return { close: () => void app.close() };
}

/** serveCluster forks `workers` workers that share the port, and re-forks any that dies. */
function serveCluster(host: string, port: number, workers: number): NodeServerHandle {
  let stopping = false;
  let restarts = 0;
  const fork = (): void => void cluster.fork({ GAUNTLET_CLUSTER_WORKER: '1' });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    restarts++;
    process.stderr.write(
      `node-cluster: worker ${worker.process.pid} died (${signal ?? `code ${code}`}), re-forking (restart ${restarts})\n`,
    );
    fork();
  });
  let listening = 0;
  cluster.on('listening', () => {
    if (++listening === workers) process.stdout.write(`node-cluster: all ${workers} workers listening\n`);
  });
  for (let i = 0; i < workers; i++) fork();
  process.stdout.write(`node-cluster: primary ${process.pid} serving http://${host}:${port} with ${workers} workers\n`);
  return {
    close: () => {
      stopping = true;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    },
  };
}

async function main(argv: string[]): Promise<void> {
  const [flavourText, host = '127.0.0.1', portText = '0', workersText = '2'] = argv;
  const flavour = flavourText as Flavour;
  const port = Number(portText);
  let handle: NodeServerHandle;
  if (flavour === 'node-cluster' && cluster.isPrimary) handle = serveCluster(host, port, Number(workersText));
  else if (flavour === 'node-http' || flavour === 'node-cluster') handle = await serveNodeHttp(host, port);
  else if (flavour === 'express') handle = await serveExpress(host, port);
  else if (flavour === 'fastify') handle = await serveFastify(host, port);
  else throw new Error(`node-server-main: unknown flavour '${flavourText}'`);
  if (!(flavour === 'node-cluster' && cluster.isPrimary)) {
    process.stdout.write(`${flavour}: pid ${process.pid} serving http://${host}:${port}\n`);
  }
  const stop = (): void => {
    handle.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`node-server-main: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
