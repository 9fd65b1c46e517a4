/**
 * bench-report turns the benchmark's runs into medians, ratios, a text table for the terminal and a
 * markdown snippet for the README. Pure functions: no I/O.
 */

/** RunRecord is one generator run of the throughput phase. */
export interface RunRecord {
  /** the target's name: `node` or `nginx`. */
  target: string;
  generator: string;
  round: number;
  requests: number;
  failed: number;
  durationSec: number;
  rps: number;
  cpuSec: number;
  /** the user part of cpuSec (the rest is the kernel's socket work, about the same per request for all). */
  userSec: number;
  reqPerCpuSec: number;
  /** requests per user CPU-second: the cost of the generator's own code. */
  reqPerUserSec: number;
  p99Ms: number;
  peakRssMiB: number;
  /** requests the target counted while this run was on. */
  serverRequests: number;
  /** the target's CPU use over the run's wall time (100 = one core saturated). */
  targetCpuPct: number;
  /** cores other processes (and hypervisor steal) used during the run; noise when above ~0.1. */
  otherCores: number;
  /** how long the run waited for the machine to be quiet first. */
  waitedMs: number;
  /** the machine's speed around the run: a fixed workload's time on the generator's CPU (bench/calibration.ts), NaN where not measured. */
  calibrationMs: { before: number; after: number };
  exitCode: number | null;
  notes: string[];
}

/** GeneratorSummary is the median of one generator's runs against one target. */
export interface GeneratorSummary {
  target: string;
  generator: string;
  runs: number;
  rps: number;
  reqPerCpuSec: number;
  reqPerUserSec: number;
  cpuSec: number;
  userSec: number;
  p99Ms: number;
  peakRssMiB: number;
  targetCpuPct: number;
  otherCores: number;
  failed: number;
  rpsRuns: number[];
  reqPerCpuSecRuns: number[];
}

/** median of a list (NaN when empty); NaN entries are skipped. */
export function median(xs: number[]): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 === 1 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

/** summarize takes the medians of each generator's runs against each target, in first-seen order. */
export function summarize(runs: RunRecord[]): GeneratorSummary[] {
  const keys = [...new Set(runs.map((r) => `${r.target}\n${r.generator}`))];
  return keys.map((key) => {
    const [target, generator] = key.split('\n') as [string, string];
    const rs = runs.filter((r) => r.target === target && r.generator === generator);
    return {
      target,
      generator,
      runs: rs.length,
      rps: median(rs.map((r) => r.rps)),
      reqPerCpuSec: median(rs.map((r) => r.reqPerCpuSec)),
      reqPerUserSec: median(rs.map((r) => r.reqPerUserSec)),
      cpuSec: median(rs.map((r) => r.cpuSec)),
      userSec: median(rs.map((r) => r.userSec)),
      p99Ms: median(rs.map((r) => r.p99Ms)),
      peakRssMiB: median(rs.map((r) => r.peakRssMiB)),
      targetCpuPct: median(rs.map((r) => r.targetCpuPct)),
      otherCores: median(rs.map((r) => r.otherCores)),
      failed: rs.reduce((a, r) => a + r.failed, 0),
      rpsRuns: rs.map((r) => Math.round(r.rps)),
      reqPerCpuSecRuns: rs.map((r) => Math.round(r.reqPerCpuSec)),
    };
  });
}

/** int formats a count (n/a when unknown). */
export const int = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
/** fix formats a figure with d decimals (n/a when unknown). */
export const fix = (x: number, d: number) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

function table(head: string[], rows: string[][], md: boolean): string {
  if (md) return [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < 2 ? ' --- ' : ' ---: ')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i < 2 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

function throughputRows(sums: GeneratorSummary[]): string[][] {
  return sums.map((s) => [s.target, s.generator, int(s.rps), int(s.reqPerCpuSec), int(s.reqPerUserSec), `${fix(s.userSec, 2)} + ${fix(s.cpuSec - s.userSec, 2)}`, fix(s.p99Ms, 2), int(s.peakRssMiB), `${int(s.targetCpuPct)}%`, fix(s.otherCores, 2), int(s.failed)]);
}

const THROUGHPUT_HEAD = ['target', 'generator', 'req/s', 'req per CPU-s', 'req per user CPU-s', 'CPU-s user + sys', 'p99 ms', 'RSS MiB', 'target CPU', 'others (cores)', 'failed'];

/** Context is the setting printed with the results. */
export interface Context {
  seconds: number;
  connections: number;
  rounds: number;
  pinned: boolean;
  /** the targets measured: `node`, `nginx`. */
  targets: string[];
  cpuModel: string;
  node: string;
  commit: string;
}

/** Section is one more part of the report (ratios, open model, many users…): its text and markdown lines. */
export interface Section {
  text: string[];
  markdown: string[];
}

/** textReport is the terminal report: the throughput table, each generator's runs, the sections and the notes. */
export function textReport(ctx: Context, sums: GeneratorSummary[], sections: Section[], notes: string[]): string {
  const out: string[] = [];
  out.push(`Throughput: ${ctx.connections} connections, ${ctx.seconds} s, median of ${ctx.rounds} runs${ctx.pinned ? ', target on CPU 0, generator on CPU 1' : ' (not pinned: no taskset)'}`);
  out.push(table(THROUGHPUT_HEAD, throughputRows(sums), false));
  for (const s of sums) out.push(`  ${`${s.target} ${s.generator}`.padEnd(24)} req/s runs: ${s.rpsRuns.join(', ')}; req per CPU-s runs: ${s.reqPerCpuSecRuns.join(', ')}`);
  for (const sec of sections) out.push('', ...sec.text);
  if (notes.length > 0) out.push('', 'Notes:', ...notes.map((n) => `  - ${n}`));
  return out.join('\n');
}

/** markdownReport is the snippet to paste into the README. */
export function markdownReport(ctx: Context, sums: GeneratorSummary[], sections: Section[]): string {
  const out: string[] = [];
  out.push(`Measured with \`npm run bench\` on ${ctx.cpuModel}, Node ${ctx.node}, commit \`${ctx.commit}\`: ${ctx.targets.map((t) => (t === 'node' ? 'a node:http target' : `an ${t} target`)).join(' and ')} (one process each) answering 200 "ok"${ctx.pinned ? ', the target pinned to CPU 0, each generator pinned to CPU 1' : ''}, ${ctx.connections} keep-alive connections for ${ctx.seconds} s, median of ${ctx.rounds} rounds. "req per CPU-s" divides requests by the generator's own user+system CPU time (the system part, the kernel's loopback TCP work, is about the same per request for every tool; "per user CPU-s" leaves it out); "others" is the CPU other processes took meanwhile (noise). Ratios are medians of per-round ratios, with their min–max.`);
  out.push('');
  out.push(table(THROUGHPUT_HEAD, throughputRows(sums), true));
  for (const sec of sections) out.push('', ...sec.markdown);
  return out.join('\n');
}
