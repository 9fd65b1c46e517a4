import { readFile } from 'node:fs/promises';
import { GauntletError } from '../../core/errors.js';
import { CsvError, parseCsv } from './csv.js';

/** FEEDER_MODES lists how rows are handed to users. */
export const FEEDER_MODES = ['unique', 'round-robin', 'random'] as const;
/** FeederMode: `unique` gives each global user its own row; `round-robin` and `random` pick a row per iteration. */
export type FeederMode = (typeof FEEDER_MODES)[number];

/** DataSpec is a data file read once in the main process and shipped in the plan (plain data). */
export interface DataSpec {
  /** file is the path shown in messages. */
  readonly file: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly mode: FeederMode;
  /** seed makes `random` reproducible. */
  readonly seed: number;
  /**
   * rowIndexes, when present, are the row numbers (in the whole file) of `rows`: an agent in `unique`
   * mode gets only the rows of the users its segment runs (see plan-objects.ts).
   */
  readonly rowIndexes?: readonly number[];
}

/**
 * readDataFile reads a CSV data file for `--data` once, before the run starts, so a missing file or
 * a malformed CSV is a clear usage error (exit 2) naming the file and line, not a failure inside a
 * worker. An empty table (header only) is an error too.
 */
export async function readDataFile(file: string, mode: FeederMode = 'unique', seed = 1): Promise<DataSpec> {
  if (!(FEEDER_MODES as readonly string[]).includes(mode)) {
    throw new GauntletError('GAUNTLET_USAGE', `data mode '${mode}' is not one of ${FEEDER_MODES.join(', ')}`);
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new GauntletError('GAUNTLET_USAGE', code === 'ENOENT' ? `data file '${file}' not found` : `cannot read data file '${file}': ${(err as Error).message}`, { hint: 'give a CSV file with a header row, e.g. --data users.csv' });
  }
  try {
    const t = parseCsv(text);
    if (t.rows.length === 0) throw new CsvError(1, 'no data rows after the header row');
    return { file, columns: t.columns, rows: t.rows, mode, seed };
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    throw new GauntletError('GAUNTLET_USAGE', `${file}:${err.line}: malformed CSV: ${err.message}`, { hint: 'the first row names the columns; quote fields that hold commas, quotes or newlines' });
  }
}

/**
 * DataFeeder hands rows to users, the same way in every worker and agent (no coordination needed):
 * `unique` gives global user u row u, for every iteration (a user per account), so rows are unique
 * across workers and agents; `round-robin` gives user u at iteration i row (u + i) mod n, so users
 * start staggered and each walks the whole file; `random` picks a row from a hash of (seed, u, i),
 * reproducible from the seed.
 */
export class DataFeeder {
  readonly spec: DataSpec;
  private readonly objects: Readonly<Record<string, string>>[];
  /** byRow maps a row number of the whole file to its object, when the spec holds only some rows. */
  private readonly byRow: Map<number, Readonly<Record<string, string>>> | undefined;

  constructor(spec: DataSpec) {
    this.spec = spec;
    this.objects = spec.rows.map((r) => {
      const o: Record<string, string> = {};
      spec.columns.forEach((c, k) => (o[c] = r[k] ?? ''));
      return Object.freeze(o);
    });
    this.byRow = spec.rowIndexes === undefined ? undefined : new Map(spec.rowIndexes.map((n, k) => [n, this.objects[k]!]));
  }

  /** checkUsers throws a usage error when `unique` mode has fewer rows than users. */
  checkUsers(users: number): void {
    if (this.spec.mode === 'unique' && users > this.objects.length) throw notEnoughRows(this.spec, users);
  }

  /** row returns the row for a user's iteration. */
  row(userIndex: number, iteration: number): Readonly<Record<string, string>> {
    const n = this.objects.length;
    switch (this.spec.mode) {
      case 'unique': {
        const r = this.byRow !== undefined ? this.byRow.get(userIndex) : this.objects[userIndex];
        if (r === undefined) throw notEnoughRows(this.spec, userIndex + 1);
        return r;
      }
      case 'round-robin':
        return this.objects[(userIndex + iteration) % n]!;
      case 'random':
        return this.objects[mix(this.spec.seed, userIndex, iteration) % n]!;
    }
  }
}

function notEnoughRows(spec: DataSpec, users: number): GauntletError {
  return new GauntletError('GAUNTLET_USAGE', `${spec.file} has ${spec.rows.length} rows but ${users} users each need their own row (data mode unique)`, { hint: 'add rows, run fewer users, or use data mode round-robin or random' });
}

/** mix hashes three integers into a uniform unsigned 32-bit integer (murmur3 finalizer rounds). */
function mix(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) ^ c;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}
