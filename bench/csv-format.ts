/**
 * csv-format measures what one raw CSV row (`--csv`) costs to format, in ns per row: formatRawRows
 * (strings per field, then Buffer.from as OutputFile.write did) against RawCsvEncoder (digits written
 * as bytes into one reused buffer), alternated in one process so both see the same machine. Run by
 * hand (not a test, not part of `npm run bench`):
 *
 *   npx tsc -p tsconfig.json && node build/bench/csv-format.js [--rows 4096] [--batches 200] [--rounds 6]
 *
 * The rows look like a run's: elapsed seconds growing over a minute, sub-millisecond to 50 ms times,
 * status 200 with a few failures, a constant body size. Each round formats `batches` batches of
 * `rows` rows (4096 is RequestLog's batch) with one formatter, then the other; it prints each
 * round and the median and range of both, and their ratio. The bytes are checked equal first.
 */
import { performance } from 'node:perf_hooks';
import { REQUEST_ROW_FIELDS } from '../src/metrics/request-log.js';
import { formatRawRows, RawCsvEncoder } from '../src/report/raw-csv.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const rowsPerBatch = arg('rows', 4096);
const batches = arg('batches', 200);
const rounds = arg('rounds', 6);

/** runRows makes `n` rows shaped like a run's (a fixed pseudo-random sequence). */
function runRows(n: number, offset: number): Float64Array {
  const rows = new Float64Array(n * REQUEST_ROW_FIELDS);
  let s = 12345 + offset;
  const rnd = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let r = 0; r < n; r++) {
    const i = r * REQUEST_ROW_FIELDS;
    const failed = rnd() < 0.01;
    rows[i] = ((offset * n + r) / (n * batches)) * 60;
    rows[i + 1] = 0.0002 + rnd() * rnd() * 0.05;
    rows[i + 2] = failed ? 0 : 200;
    rows[i + 3] = rows[i + 1]! * 0.9;
    rows[i + 4] = failed ? 0 : 143;
    rows[i + 5] = failed ? 3 : 0;
  }
  return rows;
}

const data = Array.from({ length: batches }, (_, b) => runRows(rowsPerBatch, b));
const encoder = new RawCsvEncoder();
for (const rows of data.slice(0, 5)) {
  if (encoder.encode(0, rows).toString('latin1') !== formatRawRows(0, rows)) throw new Error('the encoder and formatRawRows differ');
}

let sink = 0;
const formatters: Record<'old' | 'new', () => void> = {
  old: () => {
    for (const rows of data) sink += Buffer.from(formatRawRows(0, rows)).length;
  },
  new: () => {
    for (const rows of data) sink += encoder.encode(0, rows).length;
  },
};

const totalRows = rowsPerBatch * batches;
const ns: Record<'old' | 'new', number[]> = { old: [], new: [] };
formatters.old();
formatters.new(); // warm both up before timing
for (let round = 0; round < rounds; round++) {
  const order: ('old' | 'new')[] = round % 2 === 0 ? ['old', 'new'] : ['new', 'old'];
  const line: string[] = [];
  for (const which of order) {
    const t0 = performance.now();
    formatters[which]();
    const perRow = ((performance.now() - t0) * 1e6) / totalRows;
    ns[which].push(perRow);
    line.push(`${which} ${perRow.toFixed(0)} ns/row`);
  }
  console.log(`round ${round + 1}: ${line.join(', ')}`);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
for (const which of ['old', 'new'] as const) console.log(`${which}: median ${median(ns[which]).toFixed(0)} ns/row (min ${Math.min(...ns[which]).toFixed(0)}, max ${Math.max(...ns[which]).toFixed(0)}) over ${rounds} rounds of ${totalRows} rows`);
console.log(`old/new: ${(median(ns.old) / median(ns.new)).toFixed(1)}x${sink === 0 ? ' ' : ''}`);
