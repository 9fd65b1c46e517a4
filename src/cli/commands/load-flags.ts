import { usageError } from '../../core/errors.js';
import { parsePositiveInt } from '../../core/units.js';
import { BUSY_PERCENTILE, BUSY_SHARE } from '../../metrics/generator-load.js';
import { parseThresholds, type Threshold } from '../../metrics/thresholds.js';
import type { Command } from 'commander';
import { addNatsFlags, natsFlagsGiven, natsOptionsOf, type NatsFlagValues } from './nats-flags.js';
import { addFleetFlags, fleetFlagGiven, fleetOptionsOf, type FleetFlagValues } from './fleet-flags.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

/**
 * LoadFlagDefaults are what a command's run uses when a load flag is not given, as its `--help` says
 * them (test/e2e/help-defaults-cli.test.ts checks each against the plan a run builds);
 * `oneRunOutputs: false` leaves out --timeseries and --html (a multitest writes a matrix, not one run).
 */
export interface LoadFlagDefaults {
  /** connections: users in the closed model (the open model's bound is always OPEN_CONNECTIONS). */
  readonly connections: string;
  /** duration: when a run ends given neither -d nor a count. */
  readonly duration: string;
  readonly oneRunOutputs?: boolean;
}

/** BENCH_DEFAULTS are bench's and run's load defaults (resolveExecutor's). */
export const BENCH_DEFAULTS: LoadFlagDefaults = { connections: '10', duration: '10s when no -n' };

/** addLoadFlags adds the load-model and output flags shared by bench, run and the durability drivers. */
export function addLoadFlags(cmd: Command, defaults: LoadFlagDefaults = BENCH_DEFAULTS): Command {
  cmd
    .option('-c, --connections <n>', `concurrent users/connections (closed model; bounds connections with --rate) (default: ${defaults.connections}; 100 with --rate)`)
    .option('-u, --users <n>', 'alias of --connections; in bench, -u N with a smaller -c M: N users share M connections')
    .option('-n, --requests <n>', 'stop after exactly N requests in total (per step with --cycles)')
    .option('-d, --duration <time>', `run for this long, e.g. 30s, 2m (default: ${defaults.duration})`)
    .option('-r, --rate <n>', 'open model: N arrivals per second in total, or FROM:TO with --ramp-up')
    .option('--ramp-up <time>', 'start users evenly over this time (closed) or ramp the rate (open)')
    .option('--stages <list>', 'open model rate stages, e.g. 10s:100,30s:100,10s:0')
    .option('--cycles <list>', 'closed model: user counts run in turn, e.g. 10:20:30')
    .option('--think <time>', 'think time between a user\'s iterations, e.g. 100ms')
    .option('--max-queue <n>', 'open model: arrivals that may wait for a free connection before being dropped (default: 100000)')
    .option('-w, --workers <n>', 'worker threads (default: one per core, at most one per user)')
    .option('--interval <time>', 'metrics interval for progress and the time series (default: 1s)')
    .option('--grace <time>', 'on stop, how long in-flight requests may finish (default: 5s)');
  if (defaults.oneRunOutputs === false) {
    cmd
      .option('--json <file>', "write the matrix as JSON, every cell's whole result included ('-': to stdout, and the text to stderr)")
      .option('--csv <file>', 'write the matrix as CSV, one row per cell');
  } else {
    cmd
      .option('--json <file>', "write the whole result as JSON ('-': to stdout, and the text summary to stderr)")
      .option('--csv <file>', 'write one row per request');
  }
  if (defaults.oneRunOutputs !== false) {
    cmd.option('--timeseries <file>', 'write one row per interval').option('--html <file>', 'write a self-contained HTML report with charts');
  }
  return cmd.option('-q, --quiet', 'no progress output');
}

/** addOutputFlags adds `--out` (repeatable): metrics to a k6-style NDJSON file, Prometheus remote write or OTLP as the run goes. */
export function addOutputFlags(cmd: Command): Command {
  return cmd.option('--out <kind=target>', "stream metrics as the run goes: json=FILE (k6 NDJSON), prometheus=URL (remote write), otlp=URL (OTLP/HTTP); ?names=k6 for k6's names (repeatable)", collect);
}

/** addHttpFlags adds the request flags of bench. */
export function addHttpFlags(cmd: Command): Command {
  return cmd
    .option('-m, --method <method>', 'HTTP method (default: GET, or POST with a body)')
    .option('-H, --header <header>', "request header 'Name: value' (repeatable)", collect, [])
    .option('-b, --body <text>', 'request body')
    .option('--body-file <file>', 'request body from a file')
    .option('--timeout <time>', 'per-request timeout (default: 10s)')
    .option('--expect-status <list>', 'statuses that count as OK (default: 2xx,3xx)')
    .option('--http2', 'use HTTP/2')
    .option('-k, --insecure', 'do not verify TLS certificates')
    .option('-p, --pipelining <n>', 'requests in flight per connection (HTTP/1.1 pipelining, closed model; inflates throughput: see README) (default: 1)');
}

/** addThresholdFlags adds k6-style pass/fail criteria to every command that runs load (exit 99 when one fails). */
export function addThresholdFlags(cmd: Command): Command {
  return cmd
    .option('--threshold <expr>', "k6-style threshold, e.g. 'http_req_duration p(95)<200ms' (repeatable; exit 99 when one fails)", collect)
    .option('--max-generator-load <fraction>', `fail (exit 99) when a worker's event loop was busier than this (0-1) in more than ${BUSY_SHARE * 100} % of its intervals: the threshold 'generator_elu p(${BUSY_PERCENTILE})<FRACTION'`)
    .option('--abort-on-fail', 'stop the run as soon as a threshold fails');
}

/** ThresholdFlagValues are the parsed values of addThresholdFlags. */
export interface ThresholdFlagValues {
  threshold?: string[];
  maxGeneratorLoad?: string;
  abortOnFail?: boolean;
}

/**
 * thresholdTextsOf is every threshold the flags ask for, as written: each `--threshold`, and
 * `--max-generator-load F` as `generator_elu p(80)<F` (the saturation warning's rule with F for its
 * bound), checked to be a fraction in (0, 1] before anything runs.
 */
export function thresholdTextsOf(f: ThresholdFlagValues): string[] {
  const texts = [...(f.threshold ?? [])];
  if (f.maxGeneratorLoad !== undefined) {
    const v = f.maxGeneratorLoad.trim();
    const n = /^\d*\.?\d+$/.test(v) ? Number(v) : NaN;
    if (!(n > 0 && n <= 1)) throw usageError(`--max-generator-load ${f.maxGeneratorLoad} is not a fraction of the event loop's time between 0 and 1`, 'for example --max-generator-load 0.9 (fail when a worker was more than 90 % busy in more than a fifth of its intervals)');
    texts.push(`generator_elu p(${BUSY_PERCENTILE})<${v}`);
  }
  return texts;
}

/**
 * thresholdsOf parses the threshold flags before anything runs (a malformed one is a usage error);
 * `--abort-on-fail` marks every one of them.
 */
export function thresholdsOf(f: ThresholdFlagValues): Threshold[] {
  const texts = thresholdTextsOf(f);
  const parsed = texts.length > 0 ? parseThresholds(texts) : [];
  return f.abortOnFail ? parsed.map((t) => ({ ...t, abortOnFail: true })) : parsed;
}

/** addAgentFlags adds the scale-out flags: run the plan on N agents found over NATS (with the NATS auth and TLS flags). */
export function addAgentFlags(cmd: Command): Command {
  return addNatsFlags(
    addFleetFlags(
      cmd
        .option('--agents <n>', 'run on N agents (gauntlet agent) found over NATS instead of local threads')
        .option('--nats <url>', 'NATS server the agents listen on (default: nats://127.0.0.1:4222)'),
    ),
  );
}

/** AgentFlagValues are the parsed values of addAgentFlags. */
export interface AgentFlagValues extends NatsFlagValues, FleetFlagValues {
  agents?: string;
  nats?: string;
}

/** agentsOf reads the scale-out flags: undefined for a local run, else how many agents and where (--csv works too: agents put their raw rows in the object store). */
export function agentsOf(f: AgentFlagValues) {
  if (f.agents === undefined) {
    const given = f.nats !== undefined ? '--nats' : (natsFlagsGiven(f)[0] ?? fleetFlagGiven(f));
    if (given !== undefined) throw usageError(`${given} needs --agents N`, 'add --agents 2 (how many agents to run on)');
    return undefined;
  }
  const agents = parsePositiveInt(f.agents, '--agents');
  return { agents, nats: natsOptionsOf(f.nats ?? 'nats://127.0.0.1:4222', f), ...fleetOptionsOf(f) };
}

/** LoadFlagValues are the parsed values of addLoadFlags. */
export interface LoadFlagValues {
  connections?: string;
  users?: string;
  requests?: string;
  duration?: string;
  rate?: string;
  rampUp?: string;
  stages?: string;
  cycles?: string;
  think?: string;
  maxQueue?: string;
  workers?: string;
  interval?: string;
  grace?: string;
  json?: string;
  csv?: string;
  timeseries?: string;
  html?: string;
  out?: string[];
  quiet?: boolean;
}

/** loadOptionsOf maps flag values to LoadOptions (validation happens in the api layer). */
export function loadOptionsOf(f: LoadFlagValues) {
  return {
    ...((f.connections ?? f.users) !== undefined ? { connections: (f.connections ?? f.users)! } : {}),
    ...(f.requests !== undefined ? { requests: f.requests } : {}),
    ...(f.duration !== undefined ? { duration: f.duration } : {}),
    ...(f.rate !== undefined ? { rate: f.rate } : {}),
    ...(f.rampUp !== undefined ? { rampUp: f.rampUp } : {}),
    ...(f.stages !== undefined ? { stages: f.stages } : {}),
    ...(f.cycles !== undefined ? { cycles: f.cycles } : {}),
    ...(f.think !== undefined ? { think: f.think } : {}),
    ...(f.maxQueue !== undefined ? { maxQueue: f.maxQueue } : {}),
    ...(f.workers !== undefined ? { workers: f.workers } : {}),
    ...(f.interval !== undefined ? { interval: f.interval } : {}),
    ...(f.grace !== undefined ? { grace: f.grace } : {}),
  };
}
