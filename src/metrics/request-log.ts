/** REQUEST_ROW_FIELDS are the numeric fields of one raw request row, in order. */
export const REQUEST_ROW_FIELDS = 6;

/**
 * RequestLog collects one row per request in a Float64Array (elapsed_s, response_time_s, status,
 * service_time_s, bytes, failure code) and hands full batches to `flush`, which moves them to the
 * main thread (transferred, not copied). Appending allocates nothing.
 */
export class RequestLog {
  private buf: Float64Array;
  private n = 0;
  private readonly capacity: number;
  private readonly sink: (rows: Float64Array) => void;

  constructor(sink: (rows: Float64Array) => void, capacityRows = 4096) {
    this.capacity = capacityRows;
    this.sink = sink;
    this.buf = new Float64Array(capacityRows * REQUEST_ROW_FIELDS);
  }

  /** add appends one row; times in seconds, failure as failureCode(). */
  add(elapsedS: number, responseS: number, status: number, serviceS: number, bytes: number, failure: number): void {
    const b = this.buf;
    let i = this.n * REQUEST_ROW_FIELDS;
    b[i++] = elapsedS;
    b[i++] = responseS;
    b[i++] = status;
    b[i++] = serviceS;
    b[i++] = bytes;
    b[i] = failure;
    if (++this.n === this.capacity) this.flush();
  }

  /** flush hands the rows gathered so far to the sink and starts a new batch. */
  flush(): void {
    if (this.n === 0) return;
    const out = this.n === this.capacity ? this.buf : this.buf.slice(0, this.n * REQUEST_ROW_FIELDS);
    if (out === this.buf) this.buf = new Float64Array(this.capacity * REQUEST_ROW_FIELDS);
    this.n = 0;
    this.sink(out);
  }
}
