import { failureName } from '../core/failure-kinds.js';
import { REQUEST_ROW_FIELDS } from '../metrics/request-log.js';
import { OutputFile, type OutputFailure, type OutputFileOptions } from './output-file.js';
import type { Reporter } from './reporter.js';

/** RAW_CSV_HEADER: the seed's columns first, then ours. */
export const RAW_CSV_HEADER = 'elapsed_s,response_time_s,status,service_time_s,bytes,failure,worker';

const PAD = ['000000', '00000', '0000', '000', '00', '0', ''];

/** seconds6 writes seconds with six decimals (microseconds) without toFixed, which is slow per row. */
function seconds6(x: number): string {
  const us = Math.round(x * 1e6);
  if (us < 0) return (x < 0 ? '-' : '') + seconds6(-x);
  const whole = Math.floor(us / 1e6);
  const frac = String(us - whole * 1e6);
  return `${whole}.${PAD[frac.length]}${frac}`;
}

/** formatRawRows turns a batch of request rows into CSV lines (a pure function). */
export function formatRawRows(workerIndex: number, rows: Float64Array): string {
  let out = '';
  const tail = `,${workerIndex}\n`;
  for (let i = 0; i < rows.length; i += REQUEST_ROW_FIELDS) {
    out += seconds6(rows[i]!) + ',' + seconds6(rows[i + 1]!) + ',' + rows[i + 2] + ',' + seconds6(rows[i + 3]!) + ',' + rows[i + 4] + ',' + failureName(rows[i + 5]!) + tail;
  }
  return out;
}

/**
 * RawCsvReporter writes one row per request (`--csv`): elapsed_s (the request's intended start, from
 * the run's start), response_time_s, status (0 when no response), service_time_s, bytes, failure
 * (empty when OK), worker. Batches are appended as they arrive, each whole, so the file is
 * well-formed at any stop. A write that fails (a full disk) ends the file at its last whole row and is
 * reported to `options.onFailure` once, never thrown: the run and the other outputs go on.
 */
export class RawCsvReporter implements Reporter {
  private readonly file: OutputFile;

  constructor(path: string, options: OutputFileOptions = {}) {
    this.file = new OutputFile(path, '--csv', options);
    this.file.write(RAW_CSV_HEADER + '\n');
  }

  /** failure is why the file stopped being written, if it did (it holds the whole rows before). */
  get failure(): OutputFailure | undefined {
    return this.file.failure;
  }

  onRows(workerIndex: number, rows: Float64Array): void {
    this.file.write(formatRawRows(workerIndex, rows));
  }

  onEnd(): void {
    this.file.close();
  }

  onAbort(): void {
    this.file.close();
  }
}
