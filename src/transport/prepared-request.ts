/**
 * PreparedRequest is a request built once and sent many times: its wire bytes (for the lean
 * HTTP/1.1 path) and its parts (for undici) are computed up front, so sending it allocates nothing.
 */
export interface PreparedRequest {
  readonly url: URL;
  readonly method: string;
  /** header names lower-cased; host, content-length are added by prepareRequest. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | undefined;
  /** per-request timeout in milliseconds (whole request, connect included). */
  readonly timeoutMs: number;
  /** keepBody asks the connection to collect the body into ResponseInfo.body. */
  readonly keepBody: boolean;
  /** wire is the whole HTTP/1.1 request (head and body) as bytes. */
  readonly wire: Buffer;
}

/** PrepareRequestOptions are the parts of a request before defaults. */
export interface PrepareRequestOptions {
  url: string | URL;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
  keepBody?: boolean;
}
