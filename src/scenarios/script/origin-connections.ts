import type { ConnectionOptions, HttpConnection, ResponseCallback } from '../../transport/http-connection.js';
import { openConnection } from '../../transport/open-connection.js';
import type { PreparedRequest } from '../../transport/prepared-request.js';
import { newResponseInfo } from '../../transport/response-info.js';

interface Waiting {
  req: PreparedRequest;
  cb: ResponseCallback;
}

/**
 * OriginConnections are one virtual user's keep-alive connections to one origin (the transport's
 * lean HTTP/1.1 client for http:, undici for https:). A user that sends one request at a time uses
 * one connection, as a k6 VU or a Locust user does; requests sent in parallel (Promise.all) open
 * more, up to `max`, and beyond that wait in order. Callbacks get the connection's reused
 * ResponseInfo: read it synchronously.
 */
export class OriginConnections {
  readonly origin: URL;
  private readonly options: ConnectionOptions;
  private readonly max: number;
  private readonly all: HttpConnection[] = [];
  private readonly idle: HttpConnection[] = [];
  private readonly waiting: Waiting[] = [];
  private closed = false;

  constructor(origin: URL, options: ConnectionOptions, max: number) {
    this.origin = origin;
    this.options = options;
    this.max = Math.max(1, max);
  }

  /** send runs `req` on a free connection (or a new one, or after the ones in flight) and calls `cb` once. */
  send(req: PreparedRequest, cb: ResponseCallback): void {
    if (this.closed) return aborted(cb);
    let c = this.idle.pop();
    if (c === undefined && this.all.length < this.max) {
      c = openConnection(this.origin, this.options);
      this.all.push(c);
    }
    if (c === undefined) this.waiting.push({ req, cb });
    else this.run(c, req, cb);
  }

  /** close ends every connection: requests in flight complete as `aborted`, waiting ones too. */
  close(): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) aborted(w.cb);
    for (const c of this.all.splice(0)) c.close();
    this.idle.length = 0;
  }

  private run(c: HttpConnection, req: PreparedRequest, cb: ResponseCallback): void {
    c.request(req, (info) => {
      cb(info);
      if (this.closed) return;
      const next = this.waiting.shift();
      if (next !== undefined) this.run(c, next.req, next.cb);
      else this.idle.push(c);
    });
  }
}

function aborted(cb: ResponseCallback): void {
  const info = newResponseInfo();
  info.kind = 'aborted';
  info.error = 'aborted';
  process.nextTick(cb, info);
}
