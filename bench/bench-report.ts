/**
 * bench-report turns the benchmark's runs into medians, ratios, a text table for the terminal and a
 * markdown snippet for the README. Pure functions: no I/O.
 */

/** RunRecord is one generator run of the throughput phase. */
export interface RunRecord {
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
  exitCode: number | null;
  notes: string[];
}

/** GeneratorSummary is the median of one generator's runs. */
export interface GeneratorSummary {
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

/** MemoryRecord is the many-users run. */
export interface MemoryRecord {
  users: number;
  thinkMs: number;
  seconds: number;
  requests: number;
  expectedRequests: number;
  failed: number;
  durationSec: number;
  p99Ms: number;
  meanMs: number;
  peakRssMiB: number;
  polledRssMiB: number;
  cpuSec: number;
  serverRequests: number;
  serverPeakOpen: number;
  serverNewConnections: number;
  exitCode: number | null;
  goalMiB: number;
  notes: string[];
}

/** Ratios compares gauntlet with its peers; a ratio above 1 means gauntlet is better. */
export interface Ratios {
  rpsVsAutocannon?: number;
  perCpuVsAutocannon?: number;
  perUserCpuVsAutocannon?: number;
  rpsVsWrk?: number;
  perCpuVsWrk?: number;
  perUserCpuVsWrk?: number;
  /** 1 − (req/s with --csv) / (req/s without), from the medians; the goal is < 0.10. */
  csvCost?: number;
  /** the same per client CPU-second: how much more CPU a request costs with --csv. */
  csvCpuCost?: number;
  /** csvCost of each round (paired runs), to show the noise. */
  csvCostRounds?: number[];
  /** gauntlet / autocannon per round (paired runs): [req/s, req per CPU-s]. */
  vsAutocannonRounds?: [number, number][];
}

/** median of a list (NaN when empty); NaN entries are skipped. */
export function median(xs: number[]): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 === 1 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

/** summarize takes the medians of each generator's runs, in first-seen order. */
export function summarize(runs: RunRecord[]): GeneratorSummary[] {
  const names = [...new Set(runs.map((r) => r.generator))];
  return names.map((generator) => {
    const rs = runs.filter((r) => r.generator === generator);
    return {
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

/** ratios compares the summaries named `gauntlet`, `gauntlet --csv`, `autocannon`, `wrk`. */
export function ratios(sums: GeneratorSummary[], runs: RunRecord[]): Ratios {
  const by = (n: string) => sums.find((s) => s.generator === n);
  const g = by('gauntlet');
  const gc = by('gauntlet --csv');
  const ac = by('autocannon');
  const w = by('wrk');
  const r: Ratios = {};
  if (g && ac) {
    r.rpsVsAutocannon = g.rps / ac.rps;
    r.perCpuVsAutocannon = g.reqPerCpuSec / ac.reqPerCpuSec;
    r.perUserCpuVsAutocannon = g.reqPerUserSec / ac.reqPerUserSec;
  }
  if (g && ac) r.vsAutocannonRounds = paired(runs, 'gauntlet', 'autocannon');
  if (g && w) {
    r.rpsVsWrk = g.rps / w.rps;
    r.perCpuVsWrk = g.reqPerCpuSec / w.reqPerCpuSec;
    r.perUserCpuVsWrk = g.reqPerUserSec / w.reqPerUserSec;
  }
  if (g && gc) {
    r.csvCost = 1 - gc.rps / g.rps;
    r.csvCpuCost = g.reqPerCpuSec / gc.reqPerCpuSec - 1;
    r.csvCostRounds = paired(runs, 'gauntlet --csv', 'gauntlet').map(([rps]) => Number((1 - rps).toFixed(4)));
  }
  return r;
}

/** paired divides generator `a`'s figures by `b`'s within each round: [req/s, req per CPU-s]. */
function paired(runs: RunRecord[], a: string, b: string): [number, number][] {
  const rounds = [...new Set(runs.map((x) => x.round))];
  return rounds.flatMap((k): [number, number][] => {
    const x = runs.find((r) => r.round === k && r.generator === a);
    const y = runs.find((r) => r.round === k && r.generator === b);
    return x && y ? [[Number((x.rps / y.rps).toFixed(3)), Number((x.reqPerCpuSec / y.reqPerCpuSec).toFixed(3))]] : [];
  });
}

const int = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
const fix = (x: number, d: number) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const pct = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a');
const ratio = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? `${x.toFixed(2)}×` : 'n/a');

function table(head: string[], rows: string[][], md: boolean): string {
  if (md) return [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

function throughputRows(sums: GeneratorSummary[]): string[][] {
  return sums.map((s) => [s.generator, int(s.rps), int(s.reqPerCpuSec), int(s.reqPerUserSec), `${fix(s.userSec, 2)} + ${fix(s.cpuSec - s.userSec, 2)}`, fix(s.p99Ms, 2), int(s.peakRssMiB), `${int(s.targetCpuPct)}%`, fix(s.otherCores, 2), int(s.failed)]);
}

const THROUGHPUT_HEAD = ['generator', 'req/s', 'req per CPU-s', 'req per user CPU-s', 'CPU-s user + sys', 'p99 ms', 'RSS MiB', 'target CPU', 'others (cores)', 'failed'];

/** Context is the setting printed with the results. */
export interface Context {
  seconds: number;
  connections: number;
  rounds: number;
  pinned: boolean;
  cpuModel: string;
  node: string;
  commit: string;
}

/** textReport is the terminal table. */
export function textReport(ctx: Context, sums: GeneratorSummary[], r: Ratios, mem: MemoryRecord | undefined, notes: string[]): string {
  const out: string[] = [];
  out.push(`Throughput: ${ctx.connections} connections, ${ctx.seconds} s, median of ${ctx.rounds} runs${ctx.pinned ? ', target on CPU 0, generator on CPU 1' : ' (not pinned: no taskset)'}`);
  out.push(table(THROUGHPUT_HEAD, throughputRows(sums), false));
  out.push('');
  out.push(`gauntlet / autocannon: req/s ${ratio(r.rpsVsAutocannon)}, req per CPU-s ${ratio(r.perCpuVsAutocannon)}, req per user CPU-s ${ratio(r.perUserCpuVsAutocannon)} (paired rounds: ${(r.vsAutocannonRounds ?? []).map(([a, b]) => `${ratio(a)}/${ratio(b)}`).join(', ')})`);
  out.push(`gauntlet / wrk:        req/s ${ratio(r.rpsVsWrk)}, req per CPU-s ${ratio(r.perCpuVsWrk)}, req per user CPU-s ${ratio(r.perUserCpuVsWrk)}`);
  out.push(`--csv cost:            req/s ${pct(r.csvCost)} (rounds: ${(r.csvCostRounds ?? []).map((x) => pct(x)).join(', ')}), CPU per request +${pct(r.csvCpuCost)} (goal < 10%)`);
  for (const s of sums) out.push(`  ${s.generator.padEnd(15)} req/s runs: ${s.rpsRuns.join(', ')}; req per CPU-s runs: ${s.reqPerCpuSecRuns.join(', ')}`);
  if (mem) {
    out.push('');
    out.push(`Many users: ${mem.users} closed-model users, think ${mem.thinkMs} ms, ${mem.seconds} s, 1 worker`);
    out.push(`  peak RSS ${int(mem.peakRssMiB)} MiB (polled VmHWM ${int(mem.polledRssMiB)} MiB; goal < ${mem.goalMiB} MiB: ${mem.peakRssMiB < mem.goalMiB ? 'met' : 'MISSED'})`);
    out.push(`  requests ${int(mem.requests)} (expected ≈ ${int(mem.expectedRequests)}; target counted ${int(mem.serverRequests)}), failed ${int(mem.failed)}`);
    out.push(`  target saw ${int(mem.serverPeakOpen)} open connections at peak (${int(mem.serverNewConnections)} new); p99 ${fix(mem.p99Ms, 2)} ms; CPU ${fix(mem.cpuSec, 2)} s; exit ${mem.exitCode}`);
  }
  if (notes.length > 0) out.push('', 'Notes:', ...notes.map((n) => `  - ${n}`));
  return out.join('\n');
}

/** markdownReport is the snippet to paste into the README. */
export function markdownReport(ctx: Context, sums: GeneratorSummary[], r: Ratios, mem: MemoryRecord | undefined): string {
  const out: string[] = [];
  out.push(`Measured with \`npm run bench\` on ${ctx.cpuModel}, Node ${ctx.node}, commit \`${ctx.commit}\`: a node:http target answering 200 "ok"${ctx.pinned ? ' pinned to CPU 0, each generator pinned to CPU 1' : ''}, ${ctx.connections} keep-alive connections for ${ctx.seconds} s, median of ${ctx.rounds} runs. "req per CPU-s" divides requests by the generator's own user+system CPU time (the system part, the kernel's loopback TCP work, is about the same per request for every tool; "per user CPU-s" leaves it out); "others" is the CPU other processes took meanwhile (noise).`);
  out.push('');
  out.push(table(THROUGHPUT_HEAD, throughputRows(sums), true));
  out.push('');
  out.push(`- gauntlet / autocannon: ${ratio(r.rpsVsAutocannon)} req/s, ${ratio(r.perCpuVsAutocannon)} requests per CPU-second (${ratio(r.perUserCpuVsAutocannon)} per user CPU-second)`);
  if (r.rpsVsWrk !== undefined) out.push(`- gauntlet / wrk: ${ratio(r.rpsVsWrk)} req/s, ${ratio(r.perCpuVsWrk)} requests per CPU-second (${ratio(r.perUserCpuVsWrk)} per user CPU-second)`);
  if (r.csvCost !== undefined) out.push(`- \`--csv\` (one row per request) costs ${pct(r.csvCost)} of throughput`);
  if (mem) {
    out.push(`- ${int(mem.users)} users with 1 s think time for ${mem.seconds} s: peak RSS ${int(mem.peakRssMiB)} MiB, ${int(mem.requests)} requests`);
  }
  return out.join('\n');
}
