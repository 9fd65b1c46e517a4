import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { GauntletError } from '../../core/errors.js';
import { parseCsv, CsvError } from './csv.js';
import { DataFeeder, readDataFile, type DataSpec } from './data-feeder.js';

test('parseCsv reads a header, quoted fields with commas, quotes and newlines, CRLF and a BOM', () => {
  const t = parseCsv('\ufeffuser,note\r\nalice,"a, b"\r\nbob,"say ""hi"""\n"carol","two\nlines"\n\n');
  assert.deepEqual(t.columns, ['user', 'note']);
  assert.deepEqual(t.rows, [['alice', 'a, b'], ['bob', 'say "hi"'], ['carol', 'two\nlines']]);
  assert.deepEqual(parseCsv('a,b\n1,\n,2').rows, [['1', ''], ['', '2']]);
});

test('parseCsv names the line of a malformed row', () => {
  const line = (text: string) => {
    try {
      parseCsv(text);
    } catch (err) {
      assert.ok(err instanceof CsvError);
      return `${err.line}: ${err.message}`;
    }
    return 'no error';
  };
  assert.equal(line('a,b\n1,2\n3\n'), '3: expected 2 fields (a,b), got 1');
  assert.equal(line('a,b\n1,"open\n2,3\n'), '2: unterminated quoted field');
  assert.equal(line('a,b\n1,x"y\n'), '2: a quote inside an unquoted field (quote the whole field and double the quote)');
  assert.equal(line('a,a\n1,2\n'), '1: duplicate column \'a\' in the header row');
  assert.equal(line(''), '1: the file is empty (a header row is required)');
  assert.equal(line('a,b\n"1"x,2\n'), "2: unexpected character 'x' after a closing quote");
});

test('readDataFile: a missing file and a malformed CSV are usage errors naming the file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gauntlet-feeder-'));
  await assert.rejects(readDataFile(path.join(dir, 'none.csv')), (e: unknown) => e instanceof GauntletError && e.exitCode === 2 && /data file '.*none\.csv' not found/.test(e.message));
  writeFileSync(path.join(dir, 'bad.csv'), 'user,password\nalice\n');
  await assert.rejects(readDataFile(path.join(dir, 'bad.csv')), (e: unknown) => e instanceof GauntletError && /bad\.csv:2: malformed CSV: expected 2 fields/.test(e.message));
  writeFileSync(path.join(dir, 'header.csv'), 'user,password\n');
  await assert.rejects(readDataFile(path.join(dir, 'header.csv')), (e: unknown) => e instanceof GauntletError && /header\.csv:1: malformed CSV: no data rows/.test(e.message));
  writeFileSync(path.join(dir, 'ok.csv'), 'user,password\nalice,a\nbob,b\n');
  const spec = await readDataFile(path.join(dir, 'ok.csv'), 'round-robin', 3);
  assert.deepEqual(spec.rows, [['alice', 'a'], ['bob', 'b']]);
  assert.equal(spec.mode, 'round-robin');
  await assert.rejects(readDataFile(path.join(dir, 'ok.csv'), 'shuffle' as 'random'), GauntletError);
});

const spec = (mode: DataSpec['mode'], n = 5, seed = 1): DataSpec => ({ file: 'users.csv', columns: ['user'], rows: Array.from({ length: n }, (_, i) => [`u${i}`]), mode, seed });

test('unique: global user u gets row u on every iteration, so rows are unique across workers; too few rows is an error', () => {
  // Two workers (segments 0/2 and 1/2) each build their own feeder from the same spec.
  const w0 = new DataFeeder(spec('unique'));
  const w1 = new DataFeeder(spec('unique'));
  const seen = [0, 2, 4].map((u) => w0.row(u, 0)['user']).concat([1, 3].map((u) => w1.row(u, 0)['user']));
  assert.equal(new Set(seen).size, 5);
  assert.equal(w0.row(2, 9)['user'], 'u2', 'the same row on every iteration');
  assert.throws(() => w0.row(5, 0), (e: unknown) => e instanceof GauntletError && /users\.csv has 5 rows but 6 users each need their own row/.test(e.message));
  assert.throws(() => w0.checkUsers(6), GauntletError);
  w0.checkUsers(5);
});

test('round-robin walks the file from a staggered start; random is reproducible from the seed and covers the rows', () => {
  const rr = new DataFeeder(spec('round-robin', 3));
  assert.deepEqual([0, 1, 2, 3].map((i) => rr.row(1, i)['user']), ['u1', 'u2', 'u0', 'u1']);
  assert.deepEqual([0, 1, 2].map((u) => rr.row(u, 0)['user']), ['u0', 'u1', 'u2']);
  const a = new DataFeeder(spec('random', 5, 42));
  const b = new DataFeeder(spec('random', 5, 42));
  const c = new DataFeeder(spec('random', 5, 43));
  const pick = (f: DataFeeder) => Array.from({ length: 50 }, (_, i) => f.row(i % 7, i)['user']).join(',');
  assert.equal(pick(a), pick(b));
  assert.notEqual(pick(a), pick(c));
  const counts = new Map<string, number>();
  for (let i = 0; i < 5000; i++) counts.set(a.row(i, 0)['user']!, (counts.get(a.row(i, 0)['user']!) ?? 0) + 1);
  assert.equal(counts.size, 5);
  for (const n of counts.values()) assert.ok(n > 800 && n < 1200, `roughly uniform: ${[...counts.values()]}`);
});

test('DataFeeder with rowIndexes (an agent\'s share in unique mode) gives global user u row u, and refuses a user it holds no row for', () => {
  const feeder = new DataFeeder({ file: 'd.csv', columns: ['id'], rows: [['r3'], ['r6']], rowIndexes: [3, 6], mode: 'unique', seed: 1 });
  assert.deepEqual(feeder.row(3, 0), { id: 'r3' });
  assert.deepEqual(feeder.row(6, 5), { id: 'r6' });
  assert.throws(() => feeder.row(0, 0), /each need their own row/);
});
