import http from 'node:http';

/**
 * BehaviourOutcome is what one request to a behaviour app ended as, seen from the client:
 * a whole response, a response cut short, a connection closed before any response (FIN), a reset
 * (RST), a refused connection, or the client's own timeout.
 */
export type BehaviourOutcome =
  | { kind: 'response'; status: number; bodyLength: number; body: string; ms: number }
  | { kind: 'truncated'; status: number; bodyLength: number; ms: number }
  | { kind: 'closed'; ms: number }
  | { kind: 'reset'; ms: number }
  | { kind: 'refused'; ms: number }
  | { kind: 'timeout'; ms: number }
  | { kind: 'error'; code: string; message: string; ms: number };

/**
 * requestBehaviour sends `GET path` on a fresh connection (no keep-alive pool) and classifies what
 * happened. Node reports both "closed with no response" and "reset" as ECONNRESET; they differ by
 * the failing syscall (`read` for an RST) and the message ("socket hang up" for a bare FIN).
 */
export function requestBehaviour(baseUrl: string, path: string, timeoutMs = 5000): Promise<BehaviourOutcome> {
  const url = new URL(path, baseUrl);
  const t0 = performance.now();
  const ms = (): number => performance.now() - t0;
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: BehaviourOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const req = http.get(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      let length = 0;
      res.on('data', (chunk: Buffer) => {
        length += chunk.length;
        if (length <= 4096) chunks.push(chunk);
      });
      res.on('end', () => {
        const declared = res.headers['content-length'];
        if (res.complete && (declared === undefined || Number(declared) === length)) {
          done({ kind: 'response', status: res.statusCode ?? 0, bodyLength: length, body: Buffer.concat(chunks).toString('utf8'), ms: ms() });
        } else done({ kind: 'truncated', status: res.statusCode ?? 0, bodyLength: length, ms: ms() });
      });
      res.on('error', (error: NodeJS.ErrnoException) => {
        if (settled) return;
        if (error.message === 'aborted' || !res.complete) done({ kind: 'truncated', status: res.statusCode ?? 0, bodyLength: length, ms: ms() });
        else done(classify(error, ms()));
      });
      res.on('aborted', () => done({ kind: 'truncated', status: res.statusCode ?? 0, bodyLength: length, ms: ms() }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => done(classify(error, ms())));
    const timer = setTimeout(() => {
      done({ kind: 'timeout', ms: ms() });
      req.destroy();
    }, timeoutMs);
  });
}

function classify(error: NodeJS.ErrnoException, ms: number): BehaviourOutcome {
  if (error.code === 'ECONNREFUSED') return { kind: 'refused', ms };
  if (error.code === 'ECONNRESET' && error.syscall === 'read') return { kind: 'reset', ms };
  if (error.code === 'ECONNRESET' || error.message === 'socket hang up') return { kind: 'closed', ms };
  if (error.code === 'EPIPE') return { kind: 'reset', ms };
  return { kind: 'error', code: error.code ?? '', message: error.message, ms };
}

/** pollUntil re-runs `probe` every `everyMs` until `accept` says yes or `withinMs` passes; returns the last result. */
export async function pollUntil<T>(probe: () => Promise<T>, accept: (value: T) => boolean, withinMs: number, everyMs = 100): Promise<T> {
  const end = performance.now() + withinMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || performance.now() >= end) return value;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** HangingRequest is a request left open on purpose (a `hang` holding a server thread). */
export interface HangingRequest {
  /** answered settles if the server ever answers or closes. */
  readonly answered: Promise<void>;
  abort(): void;
}

/** openHangingRequest sends `GET path` and keeps the connection open until abort(). */
export function openHangingRequest(baseUrl: string, path: string): HangingRequest {
  const req = http.get(new URL(path, baseUrl), { agent: false });
  const answered = new Promise<void>((resolve) => {
    req.on('response', (res) => {
      res.resume();
      resolve();
    });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
  });
  return { answered, abort: () => req.destroy() };
}
