import type net from 'node:net';

/**
 * What the two raw-socket HTTP/1.1 clients (Http1Connection, Http1PipelineConnection) share: the one
 * read buffer of a thread, the methods safe to send again, and how a socket is let go.
 */

const READ_BUFFER_BYTES = 64 * 1024;
let readBuffer: Buffer | null = null;

/**
 * sharedReadBuffer is the one buffer every raw socket of this thread reads into (`onread`): Node hands
 * it to the parser synchronously and reuses it for the next read, so reading allocates nothing, and
 * reads are delivered one at a time on a thread, so all its sockets can share it.
 */
export function sharedReadBuffer(): Buffer {
  return (readBuffer ??= Buffer.allocUnsafe(READ_BUFFER_BYTES));
}

/** Flushable is a connection with a write waiting for the end of the event loop's poll phase. */
export interface Flushable {
  flushWrite(): void;
}

const writeQueue: Flushable[] = [];
let flushArmed = false;

function flushWrites(): void {
  // A write queued meanwhile goes out in this same loop.
  for (let i = 0; i < writeQueue.length; i++) writeQueue[i]!.flushWrite();
  writeQueue.length = 0;
  flushArmed = false;
}

/**
 * writeSoon has `c.flushWrite()` called once this turn of the event loop has read everything that
 * was ready (setImmediate: the check phase, right after the poll phase). A request made while
 * reading answers then goes out together with the others of the turn, as wrk writes on its next
 * loop turn, instead of one write per answer in between reads: the server is woken once for many
 * requests. Against one nginx worker that is +14 % req/s and +15 % requests per CPU-second (3
 * alternated 5 s rounds, 58–60k → 67–68k req/s).
 */
export function writeSoon(c: Flushable): void {
  writeQueue.push(c);
  if (!flushArmed) {
    flushArmed = true;
    setImmediate(flushWrites);
  }
}

/** IDEMPOTENT are the methods a client may send once more when the server closed before answering. */
export const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE']);

function noop(): void {}

/**
 * destroyUnheard destroys a raw connection's socket after taking its four listeners off, so none of
 * its later events reaches the connection (a late error is swallowed).
 */
export function destroyUnheard(s: net.Socket, onConnect: () => void, onEnd: () => void, onError: (err: Error) => void, onClose: () => void): void {
  s.removeListener('connect', onConnect);
  s.removeListener('end', onEnd);
  s.removeListener('error', onError);
  s.removeListener('close', onClose);
  s.on('error', noop);
  s.destroy();
}
