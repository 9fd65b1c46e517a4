import { failureName } from '../core/failure-kinds.js';
import { REQUEST_ROW_FIELDS } from '../metrics/request-log.js';
import { OutputFile } from './output-file.js';
import type { Reporter } from './reporter.js';

/** RAW_CSV_HEADER: the seed's columns first, then ours. */
export const RAW_CSV_HEADER = 'elapsed_s,response_time_s,status,service_time_s,bytes,failure,worker';

/** formatRawRows turns a batch of request rows into CSV lines (a pure function). */
export function formatRawRows(workerIndex: number, rows: Float64Array): string {
  let out = '';
  for (let i = 0; i < rows.length; i += REQUEST_ROW_FIELDS) {
    out += `${rows[i]!.toFixed(6)},${rows[i + 1]!.toFixed(6)},${rows[i + 2]},${rows[i + 3]!.toFixed(6)},${rows[i + 4]},${failureName(rows[i + 5]!)},${workerIndex}\n`;
  }
  return out;
}

/**
 * RawCsvReporter writes one row per request (`--csv`): elapsed_s (the request's intended start, from
 * the run's start), response_time_s, status (0 when no response), service_time_s, bytes, failure
 * (empty when OK), worker. Batches are appended as they arrive, each whole, so the file is
 * well-formed at any stop.
 */
export class RawCsvReporter implements Reporter {
  private readonly file: OutputFile;

  constructor(path: string) {
    this.file = new OutputFile(path, '--csv');
    this.file.write(RAW_CSV_HEADER + '\n');
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
