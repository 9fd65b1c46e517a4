import { usageError } from '../../core/errors.js';
import { asgiAdapters } from './asgi-adapters.js';
import { commandAdapter } from './command-adapter.js';
import { nodeAdapters } from './node-adapters.js';
import { pythonAdapters } from './python-adapters.js';
import type { ServerAdapter, ServerAvailability } from './server-adapter.js';

/** SERVER_ADAPTERS lists every adapter by name, in the order `gauntlet servers` prints them. */
export const SERVER_ADAPTERS: readonly ServerAdapter[] = [...nodeAdapters, ...pythonAdapters, ...asgiAdapters, commandAdapter];

/** ServerListing is one line of `gauntlet servers`: the adapter and whether it runs here. */
export interface ServerListing {
  readonly name: string;
  readonly description: string;
  readonly runtime: ServerAdapter['runtime'];
  readonly options: readonly string[];
  readonly availability: ServerAvailability;
  readonly adapter: ServerAdapter;
}

/** getServerAdapter finds an adapter by name; an unknown name is a usage error listing the known ones. */
export function getServerAdapter(name: string): ServerAdapter {
  const adapter = SERVER_ADAPTERS.find((a) => a.name === name);
  if (adapter === undefined) {
    throw usageError(`unknown server '${name}'`, `known servers: ${SERVER_ADAPTERS.map((a) => a.name).join(', ')} (gauntlet servers shows which run here)`);
  }
  return adapter;
}

/**
 * listServers returns every adapter with its availability on this machine and, when it is missing,
 * how to install it. The checks run in parallel (each spawns at most one short command).
 */
export async function listServers(): Promise<ServerListing[]> {
  return Promise.all(
    SERVER_ADAPTERS.map(async (adapter) => ({
      name: adapter.name,
      description: adapter.description,
      runtime: adapter.runtime,
      options: Object.keys(adapter.options),
      availability: await adapter.available(),
      adapter,
    })),
  );
}
