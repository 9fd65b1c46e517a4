import { INDEX_BODY } from '../../src/durability/protocol.js';
import type { ProcessSample } from '../../src/durability/servers/server-adapter.js';

/** VectorContext gives a vector what it may need to build its path (a small file for `io`). */
export interface VectorContext {
  /** smallFile holds exactly 10 bytes. */
  readonly smallFile: string;
}

/** VectorExpectation is what the client must see; `closed-or-reset` = the connection ends with no response. */
export type VectorExpectation =
  | { kind: 'response'; status: number; bodyLength?: number; body?: string; minMs?: number }
  | { kind: 'reset' }
  | { kind: 'timeout' }
  | { kind: 'closed-or-reset' };

/** ConformanceVector is one request to a behaviour app and what must come of it. */
export interface ConformanceVector {
  readonly name: string;
  readonly path: (context: VectorContext) => string;
  readonly expect: VectorExpectation;
  /** timeoutMs is the client timeout (short, so `hang` ends the test quickly). */
  readonly timeoutMs?: number;
  /** process checks compare the process tree before and after (leaks grow RSS). */
  readonly process?: (before: ProcessSample, after: ProcessSample) => string | undefined;
  /**
   * busy: while the request runs, a process of the server must be runnable (state R) — a busy loop,
   * not a sleep. Scheduler states, unlike CPU seconds, don't depend on how busy the machine is.
   */
  readonly busy?: boolean;
  /** exit, for destructive vectors: how the server's process must have ended (they get a fresh server). */
  readonly exit?: { code?: number; signal?: string };
}

const path = (p: string) => () => p;
const MB = 1024 * 1024;

/**
 * CONFORMANCE_VECTORS are the shared test vectors of the behaviour protocol (docs/behaviours.md):
 * every behaviour app, under every server the suite runs it on, must give these results.
 */
export const CONFORMANCE_VECTORS: readonly ConformanceVector[] = [
  { name: 'GET / says what the app is and lists the behaviours', path: path('/'), expect: { kind: 'response', status: 200, body: INDEX_BODY } },
  { name: 'plain', path: path('/plain'), expect: { kind: 'response', status: 200, body: 'Pong!\n' } },
  { name: 'plain with length', path: path('/plain?length=1000'), expect: { kind: 'response', status: 200, bodyLength: 1000 } },
  { name: 'plain with length 0', path: path('/plain?length=0'), expect: { kind: 'response', status: 200, bodyLength: 0 } },
  { name: 'plain with status 404', path: path('/plain?status=404'), expect: { kind: 'response', status: 404, body: 'Pong!\n' } },
  { name: 'plain with status and length', path: path('/plain?status=503&length=3'), expect: { kind: 'response', status: 503, body: 'XXX' } },
  { name: 'plain with status 204 has no body', path: path('/plain?status=204'), expect: { kind: 'response', status: 204, bodyLength: 0 } },
  { name: 'unknown behaviour is 404', path: path('/no-such-behaviour'), expect: { kind: 'response', status: 404 } },
  { name: 'unknown parameter is 400', path: path('/plain?bogus=1'), expect: { kind: 'response', status: 400 } },
  { name: 'malformed number is 400', path: path('/sleep?seconds=soon'), expect: { kind: 'response', status: 400 } },
  { name: 'status out of range is 400', path: path('/plain?status=99'), expect: { kind: 'response', status: 400 } },
  { name: 'negative length is 400', path: path('/huge?bytes=-5'), expect: { kind: 'response', status: 400 } },
  { name: 'sleep', path: path('/sleep?seconds=0.2'), expect: { kind: 'response', status: 200, body: 'Zzz\nPong!\n', minMs: 150 } },
  { name: 'io from /dev/zero', path: path('/io?length=5000'), expect: { kind: 'response', status: 200, bodyLength: 5000 } },
  { name: 'io default length', path: path('/io'), expect: { kind: 'response', status: 200, bodyLength: MB } },
  { name: 'io of a short file', path: (c) => `/io?length=100&file=${encodeURIComponent(c.smallFile)}`, expect: { kind: 'response', status: 200, bodyLength: 10 } },
  { name: 'io of an unreadable file is 403', path: path('/io?file=%2Fno%2Fsuch%2Ffile'), expect: { kind: 'response', status: 403 } },
  {
    name: 'leak keeps the memory',
    path: path('/leak?bytes=33554432'),
    expect: { kind: 'response', status: 200 },
    process: (before, after) =>
      after.rssBytes - before.rssBytes >= 24 * MB ? undefined : `RSS grew by ${((after.rssBytes - before.rssBytes) / MB).toFixed(1)} MiB, expected ≥ 24`,
  },
  {
    name: 'wedge with seconds busy-loops, then answers',
    path: path('/wedge?seconds=0.5'),
    expect: { kind: 'response', status: 200, body: 'Pong!\n', minMs: 450 },
    busy: true,
  },
  { name: 'huge', path: path('/huge?bytes=3000000'), expect: { kind: 'response', status: 200, bodyLength: 3_000_000 } },
  { name: 'trickle', path: path('/trickle?bytes=100&chunks=5&interval=0.05'), expect: { kind: 'response', status: 200, bodyLength: 100, minMs: 150 } },
  { name: 'trickle defaults', path: path('/trickle?interval=0.01'), expect: { kind: 'response', status: 200, bodyLength: 1024 } },
  { name: 'reset sends an RST', path: path('/reset'), expect: { kind: 'reset' } },
  { name: 'throw is answered 500', path: path('/throw'), expect: { kind: 'response', status: 500 } },
  { name: 'plain still works after all that', path: path('/plain'), expect: { kind: 'response', status: 200, body: 'Pong!\n' } },
];

/**
 * ISOLATED_VECTORS each run against a fresh server: `hang` holds a thread or a worker for good (it
 * would stall wsgiref and a one-worker gunicorn), and those with `exit` end the server's process.
 */
export const ISOLATED_VECTORS: readonly ConformanceVector[] = [
  { name: 'hang never answers', path: path('/hang'), expect: { kind: 'timeout' }, timeoutMs: 400 },
  { name: 'crash exits with code 1', path: path('/crash'), expect: { kind: 'closed-or-reset' }, exit: { code: 1 } },
  { name: 'crash with a code', path: path('/crash?code=3'), expect: { kind: 'closed-or-reset' }, exit: { code: 3 } },
  { name: 'segfault is a real SIGSEGV', path: path('/segfault'), expect: { kind: 'closed-or-reset' }, exit: { signal: 'SIGSEGV' } },
];
