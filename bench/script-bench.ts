/**
 * script-bench measures scripted load tests for `npm run bench`: a TestCase doing one
 * `this.http.get('/')` per iteration, run by `gauntlet run` with the same users, seconds, worker and
 * target as `gauntlet bench`, in the same rounds, measured the same way (requests per client
 * CPU-second: user+system CPU of the whole process over the requests it counted). The goal is 40,000
 * requests per CPU-second (Locust's FastHttpUser reaches about 10k on this machine, Artillery 2.7k).
 *
 * The script is written to the benchmark's temp folder, which has no node_modules: `import { TestCase }
 * from 'gauntlet'` resolves to the built Gauntlet, as for any user. Its one-off costs (bundling with
 * esbuild, importing the bundle in the worker) are inside the measured CPU, as a user would pay them.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GeneratorSummary, RunRecord } from './bench-report.js';
import { GAUNTLET_CLI, readGauntletJson, type Generator } from './generators.js';

/** SCRIPT_GENERATOR is the scripted run's name in the benchmark's tables and BENCH_ONLY. */
export const SCRIPT_GENERATOR = 'gauntlet run';
/** SCRIPT_GOAL is the goal in requests per client CPU-second. */
export const SCRIPT_GOAL = 40_000;

/** SCRIPT_SOURCE is the benchmarked test: one GET per iteration, nothing else. */
export const SCRIPT_SOURCE = `import { TestCase } from 'gauntlet';

export class GetRoot extends TestCase {
  async run() {
    await this.http.get('/');
  }
}
`;

/**
 * gauntletScript is the scripted generator: `gauntlet run get-root.ts --target URL -u N -d Ss -w 1 -q
 * --json FILE`, the script written into `dir`.
 */
export function gauntletScript(url: string, users: number, seconds: number, dir: string): Generator {
  const script = join(dir, 'get-root.ts');
  const jsonFile = join(dir, 'script.json');
  writeFileSync(script, SCRIPT_SOURCE);
  return {
    name: SCRIPT_GENERATOR,
    connections: users,
    argv: () => {
      rmSync(jsonFile, { force: true });
      return [process.execPath, GAUNTLET_CLI, 'run', script, '--target', url.replace(/\/$/, ''), '-u', String(users), '-d', `${seconds}s`, '-w', '1', '-q', '--json', jsonFile];
    },
    parse: (stdout) => readGauntletJson(jsonFile, stdout),
    cleanup: () => rmSync(jsonFile, { force: true }),
  };
}

/** ScriptFigures compares the scripted run with `gauntlet bench` (medians, and per paired round). */
export interface ScriptFigures {
  reqPerCpuSec: number;
  rps: number;
  goal: number;
  goalMet: boolean;
  /** scripted / bench, requests per CPU-second and req/s, from the medians. */
  perCpuVsBench?: number;
  rpsVsBench?: number;
  /** the same per round (paired runs): [req/s, req per CPU-s]. */
  vsBenchRounds: [number, number][];
}

/** scriptFigures reads the scripted run's figures out of the benchmark's summaries and runs. */
export function scriptFigures(sums: GeneratorSummary[], runs: RunRecord[]): ScriptFigures | undefined {
  const s = sums.find((x) => x.generator === SCRIPT_GENERATOR);
  if (s === undefined) return undefined;
  const b = sums.find((x) => x.generator === 'gauntlet');
  const rounds = [...new Set(runs.map((r) => r.round))];
  const vsBenchRounds = rounds.flatMap((k): [number, number][] => {
    const x = runs.find((r) => r.round === k && r.generator === SCRIPT_GENERATOR);
    const y = runs.find((r) => r.round === k && r.generator === 'gauntlet');
    return x && y ? [[Number((x.rps / y.rps).toFixed(3)), Number((x.reqPerCpuSec / y.reqPerCpuSec).toFixed(3))]] : [];
  });
  return {
    reqPerCpuSec: s.reqPerCpuSec,
    rps: s.rps,
    goal: SCRIPT_GOAL,
    goalMet: s.reqPerCpuSec >= SCRIPT_GOAL,
    ...(b ? { perCpuVsBench: s.reqPerCpuSec / b.reqPerCpuSec, rpsVsBench: s.rps / b.rps } : {}),
    vsBenchRounds,
  };
}

const int = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
const ratio = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? `${x.toFixed(2)}×` : 'n/a');

/** scriptReport is the scripted run's line for the terminal and the README snippet. */
export function scriptReport(f: ScriptFigures, markdown: boolean): string {
  const code = (s: string) => (markdown ? `\`${s}\`` : s);
  const head = markdown ? `- scripted (${code('gauntlet run')}, a TestCase doing one ${code('this.http.get')} per iteration):` : `${SCRIPT_GENERATOR} / gauntlet bench:`;
  const rounds = f.vsBenchRounds.length > 0 && !markdown ? ` (paired rounds: ${f.vsBenchRounds.map(([a, b]) => `${ratio(a)}/${ratio(b)}`).join(', ')})` : '';
  const vs = `${ratio(f.rpsVsBench)} req/s, ${ratio(f.perCpuVsBench)} requests per CPU-second of ${code('gauntlet bench')}${rounds}`;
  return `${head} ${int(f.reqPerCpuSec)} requests per CPU-second (goal ≥ ${int(f.goal)}: ${f.goalMet ? 'met' : 'MISSED'}); ${vs}`;
}
