import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FAILURE_KINDS, failureCode } from '../core/failure-kinds.js';
import { formatRawRows } from './raw-csv.js';

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
