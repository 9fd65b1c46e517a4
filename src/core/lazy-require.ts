import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * lazyRequire returns a getter that loads a CommonJS package the first time it is called. Libraries
 * that only some runs need (undici for https/HTTP/2, the NATS client for agents) then cost nothing
 * at startup of the runs that do not: a plain `gauntlet bench http://…` used to load them in the
 * main thread and again in every worker (about 400 files), which is CPU charged to the generator.
 */
export function lazyRequire<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(name) as T);
}
