import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { test } from 'node:test';
import { RawRowsFile, readRawRows } from './raw-rows-file.js';

test('RawRowsFile keeps batches whole and in order in a private file; readRawRows gives them back and leaves out a torn tail', () => {
  const f = new RawRowsFile();
  f.append(3, new Float64Array([1, 2, 3, 4, 5, 6]));
  f.append(7, new Float64Array([7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]));
  const path = (f as unknown as { path: string }).path;
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const bytes = f.bytes();
  f.remove();
  const got: [number, number[]][] = [];
  readRawRows(bytes, (w, rows) => got.push([w, [...rows]]));
  assert.deepEqual(got, [
    [3, [1, 2, 3, 4, 5, 6]],
    [7, [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]],
  ]);
  const torn: number[] = [];
  readRawRows(bytes.subarray(0, bytes.length - 8), (w) => torn.push(w));
  assert.deepEqual(torn, [3]);
});
