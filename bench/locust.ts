/**
 * locust is the benchmark's Locust peer (Debian `python3-locust`, where installed): bench/locustfile.py
 * (a FastHttpUser doing one GET / per task, no wait time) run headless by `python3 -m locust -u N -r N
 * -t Ss --host URL --csv PREFIX --only-summary`. Its figures come from the final summary it logs (on
 * stderr: the `Aggregated` rows of its two tables), or else from PREFIX_stats.csv's `Aggregated` row: Locust
 * (2.x, Debian) writes that file every second while it runs and not once more at the end, so it can
 * miss the last second of the run, which the count check against the target shows. One Locust process uses one CPU, like `gauntlet bench -w 1` and `wrk -t1`. Its start-up (the
 * Python interpreter, gevent, spawning N users at N/s) is inside the measured CPU and the 1 s of
 * spawning inside its duration, as a user would pay them.
 */
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Generator, GeneratorFigures } from './generators.js';

const here = dirname(fileURLToPath(import.meta.url));
/** LOCUSTFILE is the source file (build/bench → bench/locustfile.py): tsc does not copy it. */
export const LOCUSTFILE = join(here, '..', '..', 'bench', 'locustfile.py');

/** csvLine splits one CSV line (RFC 4180 quoting). */
function csvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** readLocustStats reads the `Aggregated` row of a Locust `PREFIX_stats.csv`. */
export function readLocustStats(text: string): GeneratorFigures {
  const lines = text.trim().split(/\r?\n/);
  const head = csvLine(lines[0] ?? '');
  const row = lines.slice(1).map(csvLine).find((r) => r[head.indexOf('Name')] === 'Aggregated');
  if (row === undefined) throw new Error(`no Aggregated row in Locust's stats: ${text.slice(0, 200)}`);
  const col = (name: string) => {
    const i = head.indexOf(name);
    if (i < 0) throw new Error(`no ${name} column in Locust's stats`);
    return Number(row[i]);
  };
  const requests = col('Request Count');
  const rps = col('Requests/s');
  return { requests, failed: col('Failure Count'), durationSec: requests / rps, p99Ms: col('99%'), printedRps: rps };
}

/**
 * readLocustSummary reads the final summary Locust prints: the request table's `Aggregated` row
 * (`Aggregated  19154  0(0.00%) |  3  0  37  3 | 6986.15  0.00`: requests, failures | … | req/s) and the
 * percentile table's (its 99% column). undefined when there is none.
 */
export function readLocustSummary(output: string): GeneratorFigures | undefined {
  const agg = /^\s*Aggregated\s+(\d+)\s+(\d+)\([\d.]+%\)\s*\|[^|\n]*\|\s*([\d.]+)\s+[\d.]+\s*$/m.exec(output);
  if (!agg) return undefined;
  const requests = Number(agg[1]);
  const rps = Number(agg[3]);
  let p99Ms = NaN;
  const lines = output.split(/\r?\n/);
  const h = lines.findIndex((l) => /^Type\s+Name\s+50%/.test(l));
  if (h >= 0) {
    const col = lines[h]!.trim().split(/\s+/).slice(2).indexOf('99%');
    const row = lines.slice(h + 1).find((l) => /^\s*Aggregated\s+\d/.test(l));
    if (col >= 0 && row !== undefined) p99Ms = Number(row.trim().split(/\s+/)[1 + col]);
  }
  return { requests, failed: Number(agg[2]), durationSec: requests / rps, p99Ms, printedRps: rps };
}

/** locust is the Locust generator, run by `python` (one that can import locust). */
export function locust(python: string, url: string, users: number, seconds: number, dir: string): Generator {
  const prefix = join(dir, 'locust');
  const files = ['stats', 'stats_history', 'failures', 'exceptions'].map((s) => `${prefix}_${s}.csv`);
  const cleanup = () => files.forEach((f) => rmSync(f, { force: true }));
  return {
    name: 'locust',
    connections: users,
    argv: () => {
      cleanup();
      return [python, '-m', 'locust', '-f', LOCUSTFILE, '--headless', '-u', String(users), '-r', String(users), '-t', `${seconds}s`, '--host', url.replace(/\/$/, ''), '--csv', prefix, '--only-summary'];
    },
    parse: (stdout, stderr) => readLocustSummary(stderr) ?? readLocustSummary(stdout) ?? readLocustStats(readFileSync(`${prefix}_stats.csv`, 'utf8')),
    cleanup,
  };
}
