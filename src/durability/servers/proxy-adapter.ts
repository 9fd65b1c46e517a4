import type { ProxyTraits } from '../proxy-expectations.js';
import type { ResolvedSettings } from './process-adapter.js';
import type { RunningServer, ServerAvailability, ServerOptionSpec, ServerStartOptions } from './server-adapter.js';

/**
 * ProxyAdapter starts a reverse proxy (nginx) in front of a server that is already running: the
 * proxy half of `-s 'PROXY[:opts]>SERVER[:opts]'`. `behindProxy` (proxied-server.ts) composes one with
 * a ServerAdapter into a ServerAdapter, so a proxied server runs wherever a server does.
 */
export interface ProxyAdapter {
  readonly name: string;
  readonly description: string;
  /** options are the proxy's own settings (`read_timeout`…), beside the common `start_timeout` and `grace`. */
  readonly options: Readonly<Record<string, ServerOptionSpec>>;
  available(): Promise<ServerAvailability>;
  /** traits tells the judge what the proxy does to a behaviour with these (resolved) settings. */
  traits(settings: ResolvedSettings): ProxyTraits;
  /** start runs the proxy on a free loopback port (or `options.port`), forwarding to `upstream`, and waits until GET /plain answers 200 through it. */
  start(upstream: RunningServer, options?: ServerStartOptions): Promise<RunningServer>;
}
