import { open } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  INDEX_BODY,
  parseBehaviourRequest,
  PLAIN_BODY,
  SLEEP_BODY_HEAD,
  SLEEP_BODY_TAIL,
  type BehaviourName,
  type BehaviourParams,
} from '../protocol.js';

/** BehaviourHandler is a raw Node request handler: `node:http`, Express and Fastify (raw req/res) all take it. */
export type BehaviourHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** NODE_APP_CHUNK is the size of the chunks `huge` writes (it waits for 'drain' when a write says so). */
const CHUNK = 64 * 1024;

/** The memory `leak` keeps: referenced from module scope, so it lives as long as the process. */
const leaked: Buffer[] = [];
let leakedBytes = 0;

/**
 * nodeBehaviourApp is the Node behaviour app: it reads `GET /<behaviour>?<params>` (docs/behaviours.md)
 * and misbehaves as asked, for real: `wedge` busy-loops the event loop, `crash` exits the process,
 * `segfault` sends the process a real SIGSEGV, `reset` sends a TCP RST. `throw` throws synchronously
 * out of this function: what the client then sees is the server's business (Express and Fastify answer
 * 500; a bare `node:http` server would crash, so our node-http launcher catches it and answers 500 as
 * the frameworks do). Any other failure (a closed socket, a missing file) never throws.
 */
export const nodeBehaviourApp: BehaviourHandler = (req, res) => {
  const parsed = parseBehaviourRequest(req.url ?? '/');
  req.resume();
  if (parsed.kind === 'index') return text(res, 200, INDEX_BODY);
  if (parsed.kind === 'not-found') return text(res, 404, `unknown behaviour '${parsed.name}'\n`);
  if (parsed.kind === 'bad-request') return text(res, 400, `${parsed.message}\n`);
  run(parsed.name, parsed.params, req, res);
};

function run(name: BehaviourName, p: BehaviourParams, req: IncomingMessage, res: ServerResponse): void {
  switch (name) {
    case 'plain': {
      const status = p['status'] as number;
      const body = p['length'] === undefined ? PLAIN_BODY : 'X'.repeat(p['length'] as number);
      return text(res, status, body);
    }
    case 'sleep': {
      res.writeHead(200, headers(SLEEP_BODY_HEAD.length + SLEEP_BODY_TAIL.length));
      res.write(SLEEP_BODY_HEAD);
      const timer = setTimeout(() => res.end(SLEEP_BODY_TAIL), (p['seconds'] as number) * 1000);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    case 'io':
      return void readPart(p['file'] as string, p['length'] as number).then(
        (data) => {
          res.writeHead(200, headers(data.length));
          res.end(data);
        },
        (error: unknown) => text(res, 403, `cannot read ${p['file'] as string}: ${(error as Error).message}\n`),
      );
    case 'leak': {
      const bytes = p['bytes'] as number;
      leaked.push(Buffer.alloc(bytes, 0x58));
      leakedBytes += bytes;
      return text(res, 200, `leaked ${bytes} bytes, ${leakedBytes} in all\n`);
    }
    case 'wedge':
      busyLoop(p['seconds'] as number | undefined);
      return text(res, 200, PLAIN_BODY);
    case 'hang':
      return; // never answers: the socket stays open until the client or the server gives up
    case 'crash':
      process.exit(p['code'] as number);
      return;
    case 'segfault':
      process.kill(process.pid, 'SIGSEGV');
      return;
    case 'throw':
      throw new Error('behaviour app: throw requested');
    case 'huge':
      return streamBytes(res, p['bytes'] as number);
    case 'trickle':
      return trickle(res, p['bytes'] as number, p['chunks'] as number, (p['interval'] as number) * 1000);
    case 'reset':
      return resetConnection(req);
  }
}

function headers(length: number): Record<string, string | number> {
  return { 'content-type': 'text/plain', 'content-length': length };
}

function text(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent || res.destroyed) return;
  const bodyless = status === 204 || status === 304;
  res.writeHead(status, bodyless ? { 'content-type': 'text/plain' } : headers(Buffer.byteLength(body)));
  res.end(bodyless ? undefined : body);
}

/** readPart reads up to `length` bytes from the start of `file` (fewer if the file is shorter). */
async function readPart(file: string, length: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await handle.read(buffer, filled, length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

/** busyLoop spins the CPU without ever yielding to the event loop; forever when `seconds` is absent. */
function busyLoop(seconds: number | undefined): void {
  const end = seconds === undefined ? Infinity : performance.now() + seconds * 1000;
  let spins = 0;
  while (performance.now() < end) spins++;
  if (spins < 0) throw new Error('unreachable'); // keeps the loop from being optimised away
}

/** streamBytes writes `bytes` bytes in CHUNK pieces, waiting for 'drain' whenever a write is refused. */
function streamBytes(res: ServerResponse, bytes: number): void {
  res.writeHead(200, headers(bytes));
  const chunk = Buffer.alloc(CHUNK, 0x58);
  let left = bytes;
  const pump = (): void => {
    while (left > 0 && !res.destroyed) {
      const n = Math.min(left, CHUNK);
      left -= n;
      if (!res.write(n === CHUNK ? chunk : chunk.subarray(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end();
  };
  pump();
}

/** trickle sends `bytes` bytes as `chunks` pieces, `intervalMs` apart (the first at once). */
function trickle(res: ServerResponse, bytes: number, chunks: number, intervalMs: number): void {
  res.writeHead(200, headers(bytes));
  let sent = 0;
  let index = 0;
  let timer: NodeJS.Timeout | undefined;
  const next = (): void => {
    if (res.destroyed) return;
    index++;
    const upTo = Math.round((bytes * index) / chunks);
    if (upTo > sent) res.write(Buffer.alloc(upTo - sent, 0x58));
    sent = upTo;
    if (index >= chunks) res.end();
    else timer = setTimeout(next, intervalMs);
  };
  res.on('close', () => clearTimeout(timer));
  next();
}

/** resetConnection aborts the TCP connection with an RST (SO_LINGER 0 then close), writing nothing. */
function resetConnection(req: IncomingMessage): void {
  const socket = req.socket as IncomingMessage['socket'] & { resetAndDestroy?: () => void };
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}
