/**
 * generators describes each load generator the benchmark compares — how to start it and how to read
 * its figures — so `run.ts` can treat gauntlet, autocannon and wrk alike.
 */
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** GeneratorFigures is what one generator reported about its own run. */
export interface GeneratorFigures {
  requests: number;
  /** requests that failed (errors, timeouts, non-2xx). */
  failed: number;
  durationSec: number;
  p99Ms: number;
  /** the summary line the tool printed, for a consistency check. */
  summaryLine?: string;
  /** requests/s as the tool itself printed it. */
  printedRps?: number;
}

/** Generator is one load generator configuration. */
export interface Generator {
  readonly name: string;
  /** requests it may have in flight at once: the most the target may count beyond the generator's count. */
  readonly connections: number;
  argv(): string[];
  /** parse reads the figures from what the generator printed (and, for some, the files it wrote). */
  parse(stdout: string, stderr: string): GeneratorFigures;
  cleanup?(): void;
}

const here = dirname(fileURLToPath(import.meta.url));
/** GAUNTLET_CLI is the package's built CLI (build/bench → dist/cli/main.js), what users run. */
export const GAUNTLET_CLI = join(here, '..', '..', 'dist', 'cli', 'main.js');

function autocannonBin(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('autocannon/package.json')), 'autocannon.js');
}

/** GauntletJson is the part of gauntlet's --json result the benchmark reads. */
interface GauntletJson {
  durationMs: number;
  metrics: { counters: Record<string, number> };
  summary: { http_req_duration?: { p99: number; mean: number } };
}

const SUMMARY = /^Test of (\d+) requests complete in ([\d.]+) seconds \(([\d.]+) req\/s\)\./m;

/** readGauntletJson reads gauntlet's --json file into figures plus its summary line. */
export function readGauntletJson(file: string, stdout: string): GeneratorFigures & { meanMs: number } {
  const j = JSON.parse(readFileSync(file, 'utf8')) as GauntletJson;
  const c = j.metrics.counters;
  const m = SUMMARY.exec(stdout);
  return {
    requests: c['http_reqs'] ?? 0,
    failed: c['http_req_failed'] ?? 0,
    durationSec: j.durationMs / 1000,
    p99Ms: j.summary.http_req_duration?.p99 ?? NaN,
    meanMs: j.summary.http_req_duration?.mean ?? NaN,
    ...(m ? { summaryLine: m[0], printedRps: Number(m[3]) } : {}),
  };
}

/**
 * gauntlet runs `gauntlet bench URL -c N -d Ss -w 1 -q --json FILE [extra…]`; `inFlight` is the most
 * requests it may have in flight (N, or N × P with `-p P`).
 */
export function gauntlet(name: string, url: string, connections: number, seconds: number, jsonFile: string, extra: string[] = [], inFlight = connections): Generator {
  return {
    name,
    connections: inFlight,
    argv: () => {
      rmSync(jsonFile, { force: true });
      return [process.execPath, GAUNTLET_CLI, 'bench', url, '-c', String(connections), '-d', `${seconds}s`, '-w', '1', '-q', '--json', jsonFile, ...extra];
    },
    parse: (stdout) => readGauntletJson(jsonFile, stdout),
    cleanup: () => rmSync(jsonFile, { force: true }),
  };
}

interface AutocannonJson {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  requests: { total: number };
  latency: { p99: number };
}

/**
 * autocannon runs autocannon's CLI (the devDependency) with the same node as this process; with
 * `pipelining` > 1, `-p N` (N requests in flight per connection).
 */
export function autocannon(url: string, connections: number, seconds: number, pipelining = 1): Generator {
  const bin = autocannonBin();
  const p = pipelining > 1 ? ['-p', String(pipelining)] : [];
  return {
    name: pipelining > 1 ? `autocannon -p ${pipelining}` : 'autocannon',
    connections: connections * pipelining,
    argv: () => [process.execPath, bin, '-c', String(connections), '-d', String(seconds), ...p, '--json', url],
    parse: (stdout) => {
      const j = JSON.parse(stdout.slice(stdout.indexOf('{'))) as AutocannonJson;
      return { requests: j.requests.total, failed: j.errors + j.timeouts + j.non2xx, durationSec: j.duration, p99Ms: j.latency.p99 };
    },
  };
}

function wrkTime(v: string, unit: string): number {
  const n = Number(v);
  return unit === 'us' ? n / 1000 : unit === 'ms' ? n : unit === 's' ? n * 1000 : n * 60_000;
}

/** wrk runs `wrk -t1 -cN -dSs --latency URL` (--latency only adds the percentile table). */
export function wrk(bin: string, url: string, connections: number, seconds: number): Generator {
  return {
    name: 'wrk',
    connections,
    argv: () => [bin, '-t1', `-c${connections}`, `-d${seconds}s`, '--latency', url],
    parse: (stdout) => {
      const total = /(\d+) requests in ([\d.]+)(us|ms|s|m)\b/.exec(stdout);
      if (!total) throw new Error(`cannot read wrk output: ${stdout}`);
      const p99 = /^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(stdout);
      const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
      const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
      const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(stdout);
      const failed = (socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0);
      return {
        requests: Number(total[1]),
        failed,
        durationSec: wrkTime(total[2]!, total[3]!) / 1000,
        p99Ms: p99 ? wrkTime(p99[1]!, p99[2]!) : NaN,
        ...(rps ? { printedRps: Number(rps[1]) } : {}),
      };
    },
  };
}

/** hey runs `hey -z Ss -c N URL` (Debian `hey`) and reads its summary. */
export function hey(bin: string, url: string, connections: number, seconds: number): Generator {
  return {
    name: 'hey',
    connections,
    argv: () => [bin, '-z', `${seconds}s`, '-c', String(connections), url],
    parse: (stdout) => {
      const total = /^\s*Total:\s+([\d.]+) secs/m.exec(stdout);
      if (!total) throw new Error(`cannot read hey output: ${stdout.slice(0, 300)}`);
      const count = (re: RegExp) => [...stdout.matchAll(re)].map((m) => ({ code: m[1]!, n: Number(m[2]) }));
      // Status code distribution: "  [200]\t123 responses"; Error distribution: "  [12]\tGet …".
      const statuses = count(/^\s*\[(\d+)\]\s+(\d+) responses$/gm);
      const errors = [...stdout.matchAll(/^\s*\[(\d+)\]\s+(?!\d+ responses$)/gm)].reduce((a, m) => a + Number(m[1]), 0);
      const answered = statuses.reduce((a, s) => a + s.n, 0);
      const not2xx = statuses.filter((s) => !s.code.startsWith('2')).reduce((a, s) => a + s.n, 0);
      const p99 = /^\s*99% in ([\d.]+) secs/m.exec(stdout);
      const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
      const durationSec = Number(total[1]);
      return {
        requests: answered + errors,
        failed: not2xx + errors,
        durationSec,
        p99Ms: p99 ? Number(p99[1]) * 1000 : NaN,
        ...(rps ? { printedRps: Number(rps[1]) } : {}),
      };
    },
  };
}
