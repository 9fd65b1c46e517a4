import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CheckedOutput, openFailure, outputFailure, type OutputFileOptions } from './output-file.js';

/**
 * WholeOutputFile is a report file written once, whole, at the end (`--json`, `--html`): there is
 * either the whole file or none. A regular path is written to a temporary file in the same folder
 * (opened before the run, so a path that cannot be written is a usage error up front) and renamed
 * over the path when complete; a failed write removes the temporary file and leaves the path as it
 * was. A path that is not a regular file (`/dev/stdout`, a pipe) is written directly. A failure is
 * never thrown: `onFailure` hears of it once and `failure` keeps it.
 */
export class WholeOutputFile extends CheckedOutput {
  private readonly temp: string | undefined;
  private fd: number | undefined;

  constructor(path: string, flag: string, options: OutputFileOptions = {}) {
    super(path, flag, options);
    let stats: Stats | undefined;
    try {
      stats = statSync(path);
    } catch {
      stats = undefined; // a new file
    }
    try {
      if (stats?.isDirectory()) throw Object.assign(new Error(`EISDIR: is a directory, open '${path}'`), { code: 'EISDIR' });
      if (stats !== undefined && !stats.isFile()) {
        this.temp = undefined;
        this.fd = openSync(path, 'w');
        return;
      }
      if (stats !== undefined) accessSync(path, constants.W_OK);
      this.temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      this.fd = openSync(this.temp, 'wx');
    } catch (err) {
      throw openFailure(flag, path, err);
    }
  }

  /** writeWhole writes the whole content and puts it in place; false (and no partial file) when it could not. */
  writeWhole(text: string): boolean {
    if (this.fd === undefined) return false;
    const fd = this.fd;
    this.fd = undefined;
    const buf = Buffer.from(text);
    try {
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off);
      if (this.temp !== undefined) fsyncSync(fd);
    } catch (err) {
      this.closeQuietly(fd);
      this.removeTemp();
      this.report(outputFailure(this.flag, this.path, err, 'nothing'));
      return false;
    }
    try {
      closeSync(fd);
      if (this.temp !== undefined) renameSync(this.temp, this.path);
    } catch (err) {
      this.removeTemp();
      this.report(outputFailure(this.flag, this.path, err, 'nothing'));
      return false;
    }
    return true;
  }

  /** discard closes the file unwritten (a run that could not start): the temporary file is removed. */
  discard(): void {
    if (this.fd === undefined) return;
    this.closeQuietly(this.fd);
    this.fd = undefined;
    this.removeTemp();
  }

  private closeQuietly(fd: number): void {
    try {
      closeSync(fd);
    } catch {
      // already failing: the first error is the one reported
    }
  }

  private removeTemp(): void {
    if (this.temp === undefined) return;
    try {
      unlinkSync(this.temp);
    } catch {
      // gone already
    }
  }
}
