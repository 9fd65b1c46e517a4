import { usageError } from '../../core/errors.js';
import { nginxProxy } from './nginx-proxy.js';
import type { ProxyAdapter } from './proxy-adapter.js';

/** PROXY_ADAPTERS lists the proxies a server can run behind (`-s 'nginx>node-http'`), as `gauntlet servers` prints them. */
export const PROXY_ADAPTERS: readonly ProxyAdapter[] = [nginxProxy];

/** findProxyAdapter finds a proxy by name, or undefined when the name is not a proxy's. */
export function findProxyAdapter(name: string): ProxyAdapter | undefined {
  return PROXY_ADAPTERS.find((p) => p.name === name);
}

/** getProxyAdapter finds a proxy by name; an unknown name is a usage error listing the known ones. */
export function getProxyAdapter(name: string): ProxyAdapter {
  const proxy = findProxyAdapter(name);
  if (proxy === undefined) throw usageError(`unknown proxy '${name}'`, `known proxies: ${PROXY_ADAPTERS.map((p) => p.name).join(', ')} (gauntlet servers lists them)`);
  return proxy;
}
