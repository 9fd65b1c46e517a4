import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FAILURE_KINDS, failureCode } from '../core/failure-kinds.js';
import { mulberry32 } from '../core/seeded-random.js';
import { REQUEST_ROW_FIELDS } from '../metrics/request-log.js';
import { formatRawRows, RAW_CSV_HEADER, RawCsvEncoder, RawCsvReporter } from './raw-csv.js';

test('raw rows format seconds with six decimals, the status, bytes, failure name and worker', () => {
  const rows = new Float64Array([0.0000004, 1.5, 200, 0.25, 123, 0, 12.3456789, 0.000001, 0, 0.000001, 0, failureCode('refused')]);
  assert.equal(formatRawRows(3, rows), '0.000000,1.500000,200,0.250000,123,,3\n12.345679,0.000001,0,0.000001,0,refused,3\n');
});

test('every failure kind, local included, round-trips through its raw code', () => {
  for (const kind of FAILURE_KINDS) assert.equal(formatRawRows(0, new Float64Array([0, 0, 0, 0, 0, failureCode(kind)])).split(',')[5], kind);
  assert.equal(failureCode('local'), 11, 'local comes last: older codes keep their values');
});

test('six decimals agree with toFixed over many values', () => {
  for (let i = 0; i < 10_000; i++) {
    const x = (i * 7919) / 1_000_003;
    const line = formatRawRows(0, new Float64Array([x, x, 200, x, 1, 0]));
    assert.equal(line.split(',')[0], x.toFixed(6), `value ${x}`);
  }
});


const ODD_VALUES = [0, -0, NaN, Infinity, -Infinity, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, -Number.MIN_VALUE, 5e-7, -5e-7, 4.9999999e-7, 5.0000001e-7, -1.5e-6, 2.5e-6, -2.5e-6, 0.9999995, 999_999_999.9999995, 1e9, -1e9, 1e9 - 1e-6, 9e9, 1e15, 1e16, 2 ** 53, 1e21, -1e21, 1e300, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 32, 0.1, 1.5, -1, 123.456];

/** randomValue draws a value for any column: mostly what runs produce, often the edges above. */
function randomValue(rnd: () => number): number {
  const r = rnd();
  if (r < 0.25) return ODD_VALUES[Math.floor(rnd() * ODD_VALUES.length)]!;
  if (r < 0.45) return rnd() * 60; // seconds of a run
  if (r < 0.6) return rnd() * 0.05; // a response time
  if (r < 0.7) return -rnd() * 10 ** Math.floor(rnd() * 12 - 6); // negatives of every size
  if (r < 0.8) return Math.floor(rnd() * 10 ** Math.floor(rnd() * 18)); // integers up to 1e17
  if (r < 0.9) return (Math.floor(rnd() * 2e7) + 0.5) / 1e6; // half-microsecond ties
  return (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 10); // any magnitude
}

test('RawCsvEncoder writes exactly the bytes of formatRawRows over many random rows', () => {
  const seed = Number(process.env['GAUNTLET_SEED'] ?? Date.now() % 1_000_000);
  const rnd = mulberry32(seed);
  const encoder = new RawCsvEncoder();
  let rowsChecked = 0;
  for (let batch = 0; batch < 400; batch++) {
    const n = batch % 50 === 0 ? 5000 : Math.floor(rnd() * 40); // a big batch now and then: the buffer grows, then is reused by small ones
    const rows = new Float64Array(n * REQUEST_ROW_FIELDS);
    for (let i = 0; i < rows.length; i += REQUEST_ROW_FIELDS) {
      rows[i] = randomValue(rnd);
      rows[i + 1] = randomValue(rnd);
      rows[i + 2] = rnd() < 0.7 ? [0, 200, 204, 302, 404, 500, 599][Math.floor(rnd() * 7)]! : randomValue(rnd);
      rows[i + 3] = randomValue(rnd);
      rows[i + 4] = rnd() < 0.7 ? Math.floor(rnd() * 100_000) : randomValue(rnd);
      rows[i + 5] = rnd() < 0.8 ? Math.floor(rnd() * (FAILURE_KINDS.length + 1)) : [-0, -1, 0.5, FAILURE_KINDS.length + 1, NaN, 1e9][Math.floor(rnd() * 6)]!;
    }
    const worker = [0, 1, 7, 63, 1000][batch % 5]!;
    const expected = formatRawRows(worker, rows);
    const got = encoder.encode(worker, rows).toString('latin1');
    if (got !== expected) {
      const e = expected.split('\n');
      const g = got.split('\n');
      const at = e.findIndex((line, k) => line !== g[k]);
      assert.fail(`seed ${seed}, batch ${batch}, row ${at}: expected ${JSON.stringify(e[at])}, got ${JSON.stringify(g[at])}`);
    }
    rowsChecked += n;
  }
  assert.ok(rowsChecked > 20_000, `checked ${rowsChecked} rows`);
});

test('RawCsvEncoder writes every failure kind, and a partial row as formatRawRows does', () => {
  const encoder = new RawCsvEncoder();
  for (let code = -1; code <= FAILURE_KINDS.length + 2; code++) {
    const rows = new Float64Array([1, 0.5, 200, 0.25, 10, code]);
    assert.equal(encoder.encode(2, rows).toString('latin1'), formatRawRows(2, rows), `code ${code}`);
  }
  const partial = new Float64Array([1, 0.5, 200, 0.25, 10, 0, 2, 0.5]);
  assert.equal(encoder.encode(0, partial).toString('latin1'), formatRawRows(0, partial));
  assert.equal(encoder.encode(0, new Float64Array(0)).length, 0);
});

test('RawCsvReporter writes the header and each batch, the bytes of formatRawRows', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-rawcsv-'));
  try {
    const path = join(dir, 'rows.csv');
    const reporter = new RawCsvReporter(path);
    const batches = [new Float64Array([0.5, 0.001, 200, 0.0009, 143, 0]), new Float64Array(3000 * REQUEST_ROW_FIELDS).map((_, k) => (k % 6 === 5 ? k % 12 : k / 7)), new Float64Array([1, 2, 0, 2, 0, failureCode('timeout')])];
    let expected = RAW_CSV_HEADER + '\n';
    batches.forEach((rows, w) => {
      reporter.onRows(w, rows);
      expected += formatRawRows(w, rows);
    });
    reporter.onEnd();
    assert.equal(readFileSync(path, 'latin1'), expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
