import { closeSync, openSync, writeSync } from 'node:fs';
import { GauntletError } from '../core/errors.js';

/**
 * OutputFile is a report file opened before the run starts, so a path that cannot be written is a
 * usage error up front, not a lost result at the end. Writes are synchronous: what was written is
 * on disk even if the process is stopped right after.
 */
export class OutputFile {
  readonly path: string;
  private fd: number | undefined;

  constructor(path: string, flag: string) {
    this.path = path;
    try {
      this.fd = openSync(path, 'w');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new GauntletError('GAUNTLET_OUTPUT_UNWRITABLE', `${flag}: cannot write '${path}' (${code})`, { hint: 'give a path in a folder that exists and that you may write to' });
    }
  }

  write(text: string): void {
    if (this.fd === undefined || text.length === 0) return;
    const buf = Buffer.from(text);
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off);
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}
