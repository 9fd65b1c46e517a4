import { createRequire } from 'node:module';
import { processAdapter, type PlanContext } from './process-adapter.js';
import type { ServerAdapter, ServerAvailability } from './server-adapter.js';

const require = createRequire(import.meta.url);

function nodePlan(flavour: string, { host, port, files, settings }: PlanContext, extra: string[] = []) {
  return {
    command: process.execPath,
    // Under a TypeScript loader the entry point is a .ts file: pass the loader flags on.
    args: [...(files.nodeServerMain.endsWith('.ts') ? process.execArgv : []), files.nodeServerMain, flavour, host, String(port), ...extra],
    env: { NODE_ENV: 'production' },
    expectedProcesses: flavour === 'node-cluster' ? (settings['workers'] as number) + 1 : 1,
    // A live worker is not yet a listening one: a crash before the others listen would close the port.
    ...(flavour === 'node-cluster' ? { readyLog: /node-cluster: all \d+ workers listening/ } : {}),
  };
}

function moduleAvailable(name: string): Promise<ServerAvailability> {
  try {
    require.resolve(name);
    return Promise.resolve({ ok: true });
  } catch {
    return Promise.resolve({ ok: false, why: `the npm package '${name}' is not installed`, install: `npm install ${name}` });
  }
}

const always = (): Promise<ServerAvailability> => Promise.resolve({ ok: true });

/**
 * nodeAdapters serve the Node behaviour app (apps/node-app.ts) in a child process:
 * `node-http` (one process, bare node:http), `node-cluster` (a primary that forks `workers` workers
 * and re-forks any that dies), `express` (5) and `fastify` (5), the latter two being optional npm packages.
 */
export const nodeAdapters: readonly ServerAdapter[] = [
  processAdapter({
    name: 'node-http',
    description: 'node:http, one process (a throw in the handler is answered 500, as frameworks do)',
    runtime: 'node',
    options: {},
    available: always,
    plan: (context) => nodePlan('node-http', context),
  }),
  processAdapter({
    name: 'node-cluster',
    description: 'node:cluster: a primary and N node:http workers; a dead worker is re-forked',
    runtime: 'node',
    options: { workers: { type: 'integer', min: 1, default: 2, description: 'worker processes' } },
    available: always,
    plan: (context) => nodePlan('node-cluster', context, [String(context.settings['workers'])]),
  }),
  processAdapter({
    name: 'express',
    description: 'Express 5 on node:http, one process',
    runtime: 'node',
    options: {},
    available: () => moduleAvailable('express'),
    plan: (context) => nodePlan('express', context),
  }),
  processAdapter({
    name: 'fastify',
    description: 'Fastify 5, one process (the app runs on the raw request, then the reply is hijacked)',
    runtime: 'node',
    options: {},
    available: () => moduleAvailable('fastify'),
    plan: (context) => nodePlan('fastify', context),
  }),
];
