/**
 * csv-format measures what one raw CSV row (`--csv`) costs to format, in ns per row: formatRawRows
 * (strings per field, then Buffer.from as OutputFile.write did) against RawCsvEncoder (digits written
 * as bytes into one reused buffer), alternated in one process so both see the same machine. Run by
 * hand (not a test, not part of `npm run bench`):
 *
 *   npx tsc -p tsconfig.json && node build/bench/csv-format.js [--rows 4096] [--batches 200] [--rounds 6] [--pipeline 1000000]
 *
 * The rows look like a run's: elapsed seconds growing over a minute, sub-millisecond to 50 ms times,
 * status 200 with a few failures, a constant body size. Each round formats `batches` batches of
 * `rows` rows (4096 is RequestLog's batch) with one formatter, then the other; it prints each
 * round and the median and range of both, and their ratio. The bytes are checked equal first.
 *
 * `--pipeline N` measures the whole path of `--csv` instead, in CPU time of the process (all threads,
 * process.cpuUsage): a worker thread records N rows in a RequestLog, whose batches are transferred to
 * this thread and written to a file in the temporary folder by the old reporter (formatRawRows, then
 * OutputFile.write) or RawCsvReporter; a third kind, `none`, runs the same worker loop without a
 * RequestLog and is subtracted, so the figure is what `--csv` adds per request. Run it pinned to one
 * CPU (`taskset -c 1`) to count both threads as a `-w 1` run does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { REQUEST_ROW_FIELDS, RequestLog } from '../src/metrics/request-log.js';
import { OutputFile } from '../src/report/output-file.js';
import { formatRawRows, RAW_CSV_HEADER, RawCsvEncoder, RawCsvReporter } from '../src/report/raw-csv.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const range = (xs: number[]): string => `min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)}`;

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

/** formatBench: ns per row of the two formatters, alternated in this thread. */
function formatBench(): void {
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

  for (const which of ['old', 'new'] as const) console.log(`${which}: median ${median(ns[which]).toFixed(0)} ns/row (${range(ns[which])}) over ${rounds} rounds of ${totalRows} rows`);
  console.log(`old/new: ${(median(ns.old) / median(ns.new)).toFixed(1)}x${sink === 0 ? ' ' : ''}`);
}

type PipelineKind = 'none' | 'old' | 'new';

/** OldRawCsv is the reporter as it was: formatRawRows, then OutputFile.write of the string. */
class OldRawCsv {
  private readonly file: OutputFile;
  constructor(path: string) {
    this.file = new OutputFile(path, '--csv');
    this.file.write(RAW_CSV_HEADER + '\n');
  }
  onRows(worker: number, rows: Float64Array): void {
    this.file.write(formatRawRows(worker, rows));
  }
  onEnd(): void {
    this.file.close();
  }
}

/** workerLoop is the worker's side of the pipeline: N rows shaped like a run's, recorded or not. */
function workerLoop(kind: PipelineKind, n: number): void {
  const port = parentPort!;
  const log = kind === 'none' ? undefined : new RequestLog((rows) => port.postMessage(rows, [rows.buffer as ArrayBuffer]));
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const response = 0.0002 + (i % 97) * 1e-5;
    sum += response;
    log?.add(i * 1e-5, response, 200, response * 0.9, 143, i % 100 === 0 ? 3 : 0);
  }
  log?.flush();
  port.postMessage({ done: true, sum });
}

/** pipelineRun runs one worker of `kind` for n rows and returns the process's CPU milliseconds. */
function pipelineRun(kind: PipelineKind, n: number, dir: string): Promise<number> {
  const path = join(dir, `${kind}.csv`);
  const reporter = kind === 'old' ? new OldRawCsv(path) : kind === 'new' ? new RawCsvReporter(path) : undefined;
  const c0 = process.cpuUsage();
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), { workerData: { kind, n } });
    w.on('message', (m: Float64Array | { done: true }) => {
      if (m instanceof Float64Array) return reporter!.onRows(0, m);
      reporter?.onEnd();
      const c = process.cpuUsage(c0);
      void w.terminate().then(() => resolve((c.user + c.system) / 1000));
    });
    w.on('error', reject);
  });
}

/** pipelineBench: CPU ns per row that --csv adds (old and new reporter), less the bare loop, alternated. */
async function pipelineBench(n: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-csv-bench-'));
  try {
    const ns: Record<'old' | 'new', number[]> = { old: [], new: [] };
    await pipelineRun('new', n, dir); // warm up the file system and the worker start
    for (let round = 0; round < rounds; round++) {
      const kinds: PipelineKind[] = round % 2 === 0 ? ['none', 'old', 'new'] : ['new', 'old', 'none'];
      const ms: Partial<Record<PipelineKind, number>> = {};
      for (const kind of kinds) ms[kind] = await pipelineRun(kind, n, dir);
      for (const which of ['old', 'new'] as const) ns[which].push(((ms[which]! - ms.none!) * 1e6) / n);
      console.log(`round ${round + 1}: CPU ms none ${ms.none!.toFixed(0)}, old ${ms.old!.toFixed(0)}, new ${ms.new!.toFixed(0)}; --csv adds old ${ns.old.at(-1)!.toFixed(0)}, new ${ns.new.at(-1)!.toFixed(0)} ns/row`);
    }
    for (const which of ['old', 'new'] as const) console.log(`--csv pipeline ${which}: median ${median(ns[which]).toFixed(0)} ns/row (${range(ns[which])}) over ${rounds} rounds of ${n} rows`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!isMainThread) {
  const d = workerData as { kind: PipelineKind; n: number };
  workerLoop(d.kind, d.n);
} else if (process.argv.includes('--pipeline')) {
  await pipelineBench(arg('pipeline', 1_000_000));
} else {
  formatBench();
}
