import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * RawRowsFile is an agent's raw request rows (`--csv` with agents), kept in a private file (a fresh
 * 0700 directory, the file 0600) while the run goes, then put whole in the object store. The file is
 * a list of frames, each the Float64 header [worker, values] and the rows' Float64 values
 * (REQUEST_ROW_FIELDS per row), so the coordinator hands them to the same RawCsvReporter as a local run.
 */
export class RawRowsFile {
  private readonly dir: string;
  private readonly path: string;
  private fd: number | undefined;
  /** rows counts the values written (REQUEST_ROW_FIELDS per row). */
  values = 0;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'gauntlet-rows-'));
    this.path = join(this.dir, 'rows.f64');
    this.fd = openSync(this.path, 'wx', 0o600);
  }

  /** append writes one batch of a worker's rows. */
  append(worker: number, rows: Float64Array): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, new Uint8Array(new Float64Array([worker, rows.length]).buffer));
    writeSync(this.fd, new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength));
    this.values += rows.length;
  }

  /** bytes closes the file and returns its content. */
  bytes(): Uint8Array {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    return readFileSync(this.path);
  }

  /** remove deletes the file and its directory. */
  remove(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** readRawRows walks the frames of a RawRowsFile's bytes, handing each batch to `onBatch` (a truncated tail is left out). */
export function readRawRows(bytes: Uint8Array, onBatch: (worker: number, rows: Float64Array) => void): void {
  // Copy into an 8-byte aligned buffer: Float64Array views need it.
  const buf = new Uint8Array(bytes.length);
  buf.set(bytes);
  const all = new Float64Array(buf.buffer, 0, Math.floor(buf.length / 8));
  let i = 0;
  while (i + 2 <= all.length) {
    const worker = all[i]!;
    const n = all[i + 1]!;
    if (!Number.isInteger(n) || n < 0 || i + 2 + n > all.length) break;
    onBatch(worker, all.slice(i + 2, i + 2 + n));
    i += 2 + n;
  }
}
