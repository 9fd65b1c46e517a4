import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { GauntletError } from '../core/errors.js';

/**
 * OutputFailure is an output file that could not be written during a run: which flag, which path,
 * the system's error code and its reason in words, and what the file holds now (`rows`: every whole
 * row written before the failure; `nothing`: no file, or the old one untouched).
 */
export interface OutputFailure {
  readonly flag: string;
  readonly path: string;
  readonly code: string;
  readonly reason: string;
  readonly left: 'rows' | 'nothing';
}

/** OutputFileOptions: `onFailure` hears of a failed output once, when it fails (the CLI prints it). */
export interface OutputFileOptions {
  onFailure?: (failure: OutputFailure) => void;
}

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EIO: 'input/output error',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EPIPE: 'broken pipe',
  EISDIR: 'is a directory',
  ENOENT: 'no such file or directory',
};

/** outputFailure describes a write error of `flag`'s file as an OutputFailure. */
export function outputFailure(flag: string, path: string, err: unknown, left: OutputFailure['left']): OutputFailure {
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === 'string' ? e.code : 'EIO';
  const fromMessage = /^[A-Z0-9]+: ([^,]+)/.exec(typeof e?.message === 'string' ? e.message : '')?.[1];
  return { flag, path, code, reason: REASONS[code] ?? fromMessage ?? String(err), left };
}

/** outputFailureHint is the one-line hint for a failed output: what to do about its error code. */
export function outputFailureHint(f: OutputFailure): string {
  if (f.code === 'ENOSPC' || f.code === 'EDQUOT' || f.code === 'EFBIG') return `free some space on that device or choose another place for ${f.flag}`;
  return `check that ${f.path} can be written, or choose another place for ${f.flag}`;
}

/** openFailure is the usage error (exit 2) for an output path that cannot be opened before the run. */
export function openFailure(flag: string, path: string, err: unknown): GauntletError {
  const code = (err as NodeJS.ErrnoException).code ?? 'error';
  return new GauntletError('GAUNTLET_OUTPUT_UNWRITABLE', `${flag}: cannot write '${path}' (${code})`, { hint: 'give a path in a folder that exists and that you may write to' });
}

/**
 * CheckedOutput is what every output file shares: its path and flag, and its first failure, kept in
 * `failure` and told to `onFailure` once. Outputs never throw on a failed write.
 */
export abstract class CheckedOutput {
  readonly path: string;
  readonly flag: string;
  private failed: OutputFailure | undefined;
  private readonly onFailure: ((failure: OutputFailure) => void) | undefined;

  constructor(path: string, flag: string, options: OutputFileOptions) {
    this.path = path;
    this.flag = flag;
    this.onFailure = options.onFailure;
  }

  /** failure is why this output stopped being written (or was not written), if it did. */
  get failure(): OutputFailure | undefined {
    return this.failed;
  }

  /** report keeps the first failure and tells onFailure of it; later ones are the same story. */
  protected report(failure: OutputFailure): void {
    if (this.failed !== undefined) return;
    this.failed = failure;
    this.onFailure?.(failure);
  }
}

/**
 * OutputFile is a report file written as it goes (CSV rows, time series), opened before the run starts
 * so a path that cannot be written is a usage error up front, not a lost result at the end. Writes are
 * synchronous (what was written is on disk even if the process is stopped right after) and checked:
 * each `write` is one unit of whole rows, and a write that fails (a full disk) is cut back to the end
 * of the last whole unit, the file is closed, `onFailure` hears of it once and later writes are
 * dropped. Nothing is thrown: a failing output never stops the run or the other outputs.
 */
export class OutputFile extends CheckedOutput {
  private fd: number | undefined;
  private written = 0;

  constructor(path: string, flag: string, options: OutputFileOptions = {}) {
    super(path, flag, options);
    try {
      this.fd = openSync(path, 'w');
    } catch (err) {
      throw openFailure(flag, path, err);
    }
  }

  /** write appends whole rows; false when the file has failed (now or before) and holds only what came before. */
  write(text: string): boolean {
    if (this.fd === undefined) return this.failure === undefined;
    if (text.length === 0) return true;
    return this.writeBytes(Buffer.from(text));
  }

  /** writeBytes is `write` of bytes (whole rows, UTF-8); they are written before it returns, so the caller may reuse them. */
  writeBytes(buf: Uint8Array): boolean {
    if (this.fd === undefined) return this.failure === undefined;
    if (buf.length === 0) return true;
    let off = 0;
    try {
      while (off < buf.length) off += writeSync(this.fd, buf, off);
    } catch (err) {
      this.fail(err);
      return false;
    }
    this.written += buf.length;
    return true;
  }

  /** close closes the file (once); an error closing it (a delayed write error) counts as a failure. */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      closeSync(fd);
    } catch (err) {
      this.report(outputFailure(this.flag, this.path, err, 'rows'));
    }
  }

  private fail(err: unknown): void {
    const fd = this.fd!;
    this.fd = undefined;
    try {
      ftruncateSync(fd, this.written); // cut a partly written unit: the file ends at a whole row
    } catch {
      // not a regular file (a pipe, a device): there is nothing to cut back
    }
    try {
      closeSync(fd);
    } catch {
      // the write already failed; that is the error to report
    }
    this.report(outputFailure(this.flag, this.path, err, 'rows'));
  }
}
