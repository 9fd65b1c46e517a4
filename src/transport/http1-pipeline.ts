import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { OutcomeKind } from '../core/failure-kinds.js';
import { GauntletError } from '../core/errors.js';
import { classifyError, errorDetail, errorText } from './classify-error.js';
import type { HttpConnection, ResponseCallback } from './http-connection.js';
import { Http1ResponseParser } from './http1-parser.js';
import type { PreparedRequest } from './prepared-request.js';
import { DeadlineTimer } from './deadline-timer.js';
import { destroyUnheard, IDEMPOTENT, sharedReadBuffer, writeSoon, type Flushable } from './raw-socket.js';
import { misuseResponse, newResponseInfo, resetResponseInfo, type ResponseInfo } from './response-info.js';


/** Pending is one request written (or waiting for the connect) and not yet answered. */
interface Pending {
  req: PreparedRequest;
  cb: ResponseCallback;
  readonly info: ResponseInfo;
  deadline: number;
  /** resent: it already went out once on a connection the server closed before answering it. */
  resent: boolean;
}

/**
 * Http1PipelineConnection is HTTP/1.1 with pipelining (`gauntlet bench -p N`, autocannon's `-p`): one
 * keep-alive socket carrying up to `depth` requests written back to back, their responses matched in
 * order (HTTP/1.1 answers pipelined requests in the order they came). Each response ends its own
 * request's callback with its own timings, so latency is from each request's own send.
 *
 * What pipelining cannot hide, it reports:
 * - a response nobody asked for (more bytes after the last awaited answer) drops the connection;
 * - the server closing the connection (`Connection: close`, or EOF) leaves the requests behind the
 *   last answer unanswered: an idempotent one that got no byte is sent once more on a new connection
 *   (the server never saw it through), any other fails as `reset`;
 * - a timeout of the oldest request breaks the pipe (its answer would block every later one): it
 *   fails as `timeout`, and the requests queued behind it fail as `aborted` ("behind a timed-out
 *   request"): counted as failures, which is what a pipelined client really sees.
 * Pipelining inflates throughput against servers that batch their answers: see the README.
 */
export class Http1PipelineConnection implements HttpConnection, Flushable {
  private readonly host: string;
  private readonly port: number;
  private readonly depth: number;
  private readonly parser = new Http1ResponseParser(false);
  /** queue holds the pending requests in send order; head is the one the parser reads the answer of. */
  private queue: Pending[] = [];
  private head = 0;
  /** unwritten is the index in `queue` of the first request not written yet (head <= unwritten <= queue.length). */
  private unwritten = 0;
  /** flushDue: a flushWrite is queued for the end of this turn (writeSoon). */
  private flushDue = false;
  private readonly spare: ResponseInfo[] = [];
  private socket: net.Socket | null = null;
  private connected = false;
  private connectStart = 0;
  private closed = false;
  private readonly timer = new DeadlineTimer(() => this.inFlight() > 0, (late) => this.onTimeout(late));

  constructor(origin: URL, depth: number) {
    if (origin.protocol !== 'http:') {
      throw new GauntletError('GAUNTLET_CONFIG_INVALID', `pipelining speaks http: only, not ${origin.protocol}`, { hint: 'drop -p for https or HTTP/2 targets' });
    }
    const h = origin.hostname;
    this.host = h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
    this.port = origin.port === '' ? 80 : Number(origin.port);
    this.depth = depth;
  }

  /** inFlight is the number of requests sent or queued and not yet answered. */
  inFlight(): number {
    return this.queue.length - this.head;
  }

  request(req: PreparedRequest, cb: ResponseCallback): void {
    if (this.closed || this.inFlight() >= this.depth) {
      process.nextTick(cb, misuseResponse(this.closed));
      return;
    }
    const now = performance.now();
    const info = this.spare.pop() ?? newResponseInfo();
    resetResponseInfo(info, 0);
    const p: Pending = { req, cb, info, deadline: now + req.timeoutMs, resent: false };
    this.queue.push(p);
    if (this.inFlight() === 1) {
      this.parser.begin(req.method === 'HEAD', req.keepBody);
      this.timer.setDeadline(p.deadline);
    }
    if (this.socket === null) this.connect(now);
    else if (this.connected && !this.flushDue) {
      // Requests made during this turn (answers' callbacks) go out together at its end: one write.
      this.flushDue = true;
      writeSoon(this);
    }
    // else: written when the connection is up (onConnect)
  }

  /** flushWrite writes, corked into one write, the requests queued since the last write. */
  flushWrite(): void {
    this.flushDue = false;
    if (!this.connected || this.unwritten === this.queue.length) return;
    this.writeQueued(performance.now());
  }

  /** writeQueued writes every request not written yet, in order, as one write; they count as sent at `now`. */
  private writeQueued(now: number): void {
    const s = this.socket!;
    s.cork();
    for (let i = this.unwritten; i < this.queue.length; i++) {
      const p = this.queue[i]!;
      p.info.sentAt = now;
      p.info.bytesOut = p.req.wire.length;
      s.write(p.req.wire);
    }
    this.unwritten = this.queue.length;
    s.uncork();
  }

  close(): void {
    this.closed = true;
    this.timer.clear();
    this.dropSocket();
    this.failAll('aborted', 'connection closed');
  }

  private connect(now: number): void {
    let s: net.Socket;
    this.connectStart = now;
    this.connected = false;
    try {
      s = net.connect({ host: this.host, port: this.port, noDelay: true, onread: { buffer: sharedReadBuffer(), callback: this.onRead } });
    } catch (err) {
      process.nextTick(() => {
        if (this.socket === null) this.failAll(classifyError(err), errorText(err), errorDetail(err));
      });
      return;
    }
    s.on('connect', this.onConnect);
    s.on('end', this.onEnd);
    s.on('error', this.onError);
    s.on('close', this.onClose);
    this.socket = s;
  }

  private readonly onConnect = (): void => {
    const now = performance.now();
    const connectMs = now - this.connectStart;
    this.connected = true;
    // One write for everything queued while connecting: the pipe starts full.
    if (this.inFlight() === 0) return;
    for (let i = this.head; i < this.queue.length; i++) this.queue[i]!.info.connectMs = connectMs;
    this.writeQueued(now);
  };

  private readonly onRead = (nread: number): boolean => {
    let start = 0;
    let now = 0;
    while (start < nread) {
      if (this.head >= this.unwritten) {
        // Bytes nobody asked for (no request written and unanswered): the connection is out of step,
        // so it is not used again; requests not written yet go out on a new one.
        this.dropSocket();
        this.retryRest('protocol', 'the server sent bytes no request asked for');
        return false;
      }
      const p = this.queue[this.head]!;
      const info = p.info;
      if (info.firstByteAt === 0) info.firstByteAt = now === 0 ? (now = performance.now()) : now;
      const parser = this.parser;
      const r = parser.execute(sharedReadBuffer(), start, nread);
      if (r < 0) {
        info.bytesIn += nread - start;
        this.dropSocket();
        this.failAll('protocol', parser.error);
        return false;
      }
      if (!parser.done) {
        info.bytesIn += nread - start;
        return true;
      }
      info.bytesIn += r - start;
      info.endAt = now === 0 ? (now = performance.now()) : now;
      start = r;
      if (!parser.keepAlive) {
        // The server closes after this answer: what is queued behind it was never read. The socket
        // goes first, so that a request sent from the answer's callback takes a new connection.
        this.dropSocket();
        const done = this.shift();
        this.retryRest('reset', 'the server closed the connection (Connection: close) with pipelined requests unanswered');
        this.deliver(done, 'ok', '', '');
        return false;
      }
      this.deliver(this.shift(), 'ok', '', '');
      // A callback may have closed the connection (or the socket may be gone): stop reading.
      if (this.socket === null) return false;
    }
    return true;
  };

  /** shift takes the head request out of the pipe and points the parser at the next one. */
  private shift(): Pending {
    const p = this.queue[this.head]!;
    const parser = this.parser;
    // The answer's figures are read now, before the parser moves on.
    p.info.status = parser.status;
    p.info.bodyBytes = parser.bodyBytes;
    p.info.body = parser.body;
    this.queue[this.head] = undefined as unknown as Pending;
    this.head++;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
      this.unwritten = 0;
    } else {
      const next = this.queue[this.head]!;
      parser.begin(next.req.method === 'HEAD', next.req.keepBody);
      this.timer.setDeadline(next.deadline);
    }
    return p;
  }

  /** detach takes every pending request out of the pipe (the connection is gone). */
  private detach(): Pending[] {
    const all = this.queue.slice(this.head);
    if (all.length > 0) {
      const parser = this.parser;
      all[0]!.info.status = parser.status;
      all[0]!.info.bodyBytes = parser.bodyBytes;
    }
    this.queue = [];
    this.head = 0;
    this.unwritten = 0;
    return all;
  }

  /** deliver ends one request that is already out of the pipe; its callback may send the next. */
  private deliver(p: Pending, kind: OutcomeKind, error: string, detail: string): void {
    const info = p.info;
    info.kind = kind;
    info.error = error;
    info.detail = detail;
    if (kind !== 'ok') {
      if (info.endAt === 0) info.endAt = performance.now();
      // The peer closed before any answer: nothing proves it read this request.
      if (kind === 'reset' && info.firstByteAt === 0) info.bytesOut = 0;
    }
    p.cb(info);
    this.spare.push(info);
  }

  /** failAll ends every pending request with the same failure, oldest first. */
  private failAll(kind: OutcomeKind, error: string, detail = ''): void {
    for (const p of this.detach()) this.deliver(p, kind, error, detail);
  }

  /**
   * retryRest handles a connection the server ended with requests unanswered: the oldest may have
   * been cut short mid-answer (a failure); those that got no byte go out again on a new connection,
   * once, when idempotent and still within their deadline; the rest fail as `kind`. The pipe is set
   * up again before any callback runs, so requests sent from callbacks queue behind the retried ones.
   */
  private retryRest(kind: OutcomeKind, error: string, detail = ''): void {
    const pending = this.detach();
    if (pending.length === 0) return;
    const now = performance.now();
    const again: Pending[] = [];
    const failed: Pending[] = [];
    for (const p of pending) {
      const cut = p.info.firstByteAt !== 0;
      // A request never written is sent on the new connection whatever its method: no server saw it.
      const retry = p.info.sentAt === 0 || (!cut && !p.resent && IDEMPOTENT.has(p.req.method) && p.req.retryStale);
      (retry && !this.closed && now < p.deadline ? again : failed).push(p);
    }
    if (again.length > 0) {
      for (const p of again) {
        p.resent = true;
        resetResponseInfo(p.info, 0);
      }
      this.queue = again;
      this.parser.begin(again[0]!.req.method === 'HEAD', again[0]!.req.keepBody);
      this.timer.setDeadline(again[0]!.deadline);
      this.connect(now);
    }
    for (const p of failed) this.deliver(p, kind, p.info.firstByteAt !== 0 ? 'connection closed mid-response' : error, detail);
  }

  private readonly onEnd = (): void => {
    this.dropSocket();
    if (this.inFlight() === 0) return;
    // A body framed by the end of the connection ends here.
    const done = this.parser.endOfInput() ? this.shift() : undefined;
    if (done !== undefined) done.info.endAt = performance.now();
    this.retryRest('reset', 'socket hang up');
    if (done !== undefined) this.deliver(done, 'ok', '', '');
  };

  private readonly onError = (err: Error): void => {
    this.dropSocket();
    if (this.inFlight() === 0) return;
    const kind = classifyError(err);
    if (kind === 'reset' && this.connected) this.retryRest(kind, errorText(err), errorDetail(err));
    else this.failAll(kind, errorText(err), errorDetail(err));
  };

  private readonly onClose = (): void => {
    this.dropSocket();
    this.retryRest('reset', 'socket closed');
  };

  private onTimeout(lateMs: number): void {
    this.dropSocket();
    const [late, ...behind] = this.detach();
    if (late === undefined) return;
    late.info.timeoutLateMs = lateMs;
    this.deliver(late, 'timeout', `timed out after ${late.req.timeoutMs} ms`, '');
    for (const p of behind) this.deliver(p, 'aborted', 'pipelined behind a request that timed out', '');
  }

  private dropSocket(): void {
    const s = this.socket;
    if (s === null) return;
    this.socket = null;
    this.connected = false;
    destroyUnheard(s, this.onConnect, this.onEnd, this.onError, this.onClose);
  }
}
