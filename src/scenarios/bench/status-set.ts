import { usageError } from '../../core/errors.js';

/**
 * StatusSet is a set of HTTP status codes, read from a list like `2xx,301,404` or `200-299`. It is
 * a 600-entry table, so the check on the hot path is one array read.
 */
export class StatusSet {
  private readonly table = new Uint8Array(600);
  readonly text: string;

  constructor(text: string) {
    this.text = text;
    for (const raw of text.split(',')) {
      const part = raw.trim().toLowerCase();
      let lo: number;
      let hi: number;
      let m: RegExpExecArray | null;
      if ((m = /^([1-5])xx$/.exec(part))) {
        lo = Number(m[1]) * 100;
        hi = lo + 99;
      } else if ((m = /^(\d{3})-(\d{3})$/.exec(part))) {
        lo = Number(m[1]);
        hi = Number(m[2]);
      } else if (/^\d{3}$/.test(part)) {
        lo = hi = Number(part);
      } else {
        throw usageError(`--expect-status: '${raw}' is not a status, a class or a range`, 'write it like 2xx,301,404 or 200-299');
      }
      if (lo < 100 || hi > 599 || lo > hi) throw usageError(`--expect-status: '${raw}' is outside 100-599`, 'write it like 2xx,301,404');
      this.table.fill(1, lo, hi + 1);
    }
  }

  /** has says whether a status is expected. */
  has(status: number): boolean {
    return status < 600 && this.table[status] === 1;
  }
}
