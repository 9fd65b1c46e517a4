import type { RunningServer, ServerAdapter, ServerSettingValue, ServerStartOptions } from './server-adapter.js';
import { getServerAdapter } from './server-registry.js';

/** ConfiguredServer is an adapter with its settings chosen, ready to start (`await using s = await …start()`). */
export interface ConfiguredServer {
  readonly adapter: ServerAdapter;
  readonly settings: Readonly<Record<string, ServerSettingValue>>;
  /** start starts it with these settings (merged under any given in `options.settings`). */
  start(options?: ServerStartOptions): Promise<RunningServer>;
}

type Settings = Readonly<Record<string, ServerSettingValue>>;
type Factory = (settings?: Settings) => ConfiguredServer;

function factory(name: string): Factory {
  return (settings = {}) => {
    const adapter = getServerAdapter(name);
    return {
      adapter,
      settings,
      start: (options = {}) => adapter.start({ ...options, settings: { ...settings, ...options.settings } }),
    };
  };
}

/**
 * servers holds one factory per server adapter, for the library (`servers.gunicornSync({ workers: 4,
 * timeout: 5 }).start()`); the CLI reads the same adapters by name (`-s gunicorn-sync:workers=4`).
 * Settings are checked when the server starts.
 */
export const servers: {
  readonly nodeHttp: Factory;
  readonly nodeCluster: Factory;
  readonly express: Factory;
  readonly fastify: Factory;
  readonly wsgiref: Factory;
  readonly gunicornSync: Factory;
  readonly gunicornGthread: Factory;
  readonly waitress: Factory;
  readonly uwsgi: Factory;
  readonly gevent: Factory;
  readonly tornado: Factory;
  readonly twisted: Factory;
  readonly cheroot: Factory;
  readonly eventlet: Factory;
  readonly paste: Factory;
  readonly uvicorn: Factory;
  readonly hypercorn: Factory;
  readonly daphne: Factory;
  readonly gunicornUvicorn: Factory;
  /** command runs any command line: `servers.command({ cmd: 'gunicorn -b {host}:{port} {app}' })`. */
  readonly command: Factory;
} = {
  nodeHttp: factory('node-http'),
  nodeCluster: factory('node-cluster'),
  express: factory('express'),
  fastify: factory('fastify'),
  wsgiref: factory('wsgiref'),
  gunicornSync: factory('gunicorn-sync'),
  gunicornGthread: factory('gunicorn-gthread'),
  waitress: factory('waitress'),
  uwsgi: factory('uwsgi'),
  gevent: factory('gevent'),
  tornado: factory('tornado'),
  twisted: factory('twisted'),
  cheroot: factory('cheroot'),
  eventlet: factory('eventlet'),
  paste: factory('paste'),
  uvicorn: factory('uvicorn'),
  hypercorn: factory('hypercorn'),
  daphne: factory('daphne'),
  gunicornUvicorn: factory('gunicorn-uvicorn'),
  command: factory('command'),
};
