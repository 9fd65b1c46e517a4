import { availableParallelism } from 'node:os';
import { parseDuration } from '../core/duration.js';
import { usageError } from '../core/errors.js';
import { MAX_USERS, parsePositiveInt, parsePositiveNumber } from '../core/units.js';
import type { ExecutorSpec, RateStage } from './plan.js';

/** defaultWorkers is one worker thread per core. */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/**
 * LoadOptions are the load-model options shared by every front door (bench, run, durability), as
 * a user writes them: numbers or strings like `30s`, `10:20:30`, `10:200`.
 */
export interface LoadOptions {
  /** connections (users) in the closed model; the bound on connections in the open model. */
  connections?: number | string;
  /** requests (iterations) in total, exact across workers; per cycle step with `cycles`. */
  requests?: number | string;
  /** iterationsPerUser: each user runs exactly this many (Loads' hits). */
  iterationsPerUser?: number | string;
  duration?: string | number;
  /** rate selects the open model: arrivals per second, or `from:to` with rampUp. */
  rate?: number | string;
  rampUp?: string | number;
  /** stages: `10s:100,30s:100,10s:0` (open model, k6's ramping arrival rate). */
  stages?: string | readonly RateStage[];
  /** cycles: user counts run one after another, `10:20:30`. */
  cycles?: string | readonly number[];
  think?: string | number;
  maxQueue?: number | string;
  workers?: number | string;
  interval?: string | number;
  grace?: string | number;
}

/** DEFAULT_DURATION_MS is the length of a run given neither a duration nor a count (autocannon's). */
export const DEFAULT_DURATION_MS = 10_000;

function parseList(text: string | readonly number[], what: string): number[] {
  if (typeof text !== 'string') return [...text];
  const parts = text.split(':');
  return parts.map((p) => parsePositiveInt(p, what, 1, MAX_USERS));
}

function parseStages(text: string | readonly RateStage[]): RateStage[] {
  if (typeof text !== 'string') return [...text];
  return text.split(',').map((part) => {
    const m = /^\s*([^:]+):\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (!m) throw usageError(`--stages: '${part}' is not duration:rate`, 'write it like 10s:100,30s:100,10s:0');
    return { durationMs: parseDuration(m[1]!, '--stages duration'), target: Number(m[2]) };
  });
}

/** resolveExecutor turns the load options into a load model (closed unless a rate or stages are given). */
export function resolveExecutor(o: LoadOptions, defaults: { connections: number; openConnections: number } = { connections: 10, openConnections: 100 }): ExecutorSpec {
  const durationMs = o.duration !== undefined ? parseDuration(o.duration, '--duration') : undefined;
  if (durationMs !== undefined && durationMs <= 0) throw usageError('--duration must be longer than 0', 'for example --duration 30s');
  const requests = o.requests !== undefined ? parsePositiveInt(o.requests, '--requests') : undefined;
  const perUser = o.iterationsPerUser !== undefined ? parsePositiveInt(o.iterationsPerUser, '--iterations') : undefined;
  const rampUpMs = o.rampUp !== undefined ? parseDuration(o.rampUp, '--ramp-up') : 0;
  const open = o.rate !== undefined || o.stages !== undefined;
  if (open) {
    if (o.cycles !== undefined) throw usageError('--cycles is for the closed model and cannot go with --rate or --stages', 'drop --cycles, or drop --rate/--stages');
    if (perUser !== undefined) throw usageError('--iterations (per user) is for the closed model', 'use -n for a total count with --rate');
    let startRate = 0;
    let stages: RateStage[];
    if (o.stages !== undefined) {
      stages = parseStages(o.stages);
      if (o.rate !== undefined) startRate = parsePositiveNumber(String(o.rate), '--rate');
    } else {
      const text = String(o.rate);
      const [a, b] = text.includes(':') ? text.split(':') : [text, text];
      startRate = parsePositiveNumber(a!, '--rate');
      const to = parsePositiveNumber(b!, '--rate');
      const hold = durationMs ?? (requests !== undefined ? Infinity : DEFAULT_DURATION_MS);
      stages = rampUpMs > 0 || startRate !== to ? [{ durationMs: rampUpMs, target: to }] : [];
      if (startRate !== to && rampUpMs === 0) throw usageError(`--rate ${text} ramps, but no --ramp-up says over how long`, `add --ramp-up 10s`);
      const rest = hold === Infinity ? Infinity : hold - rampUpMs;
      if (rest > 0) stages.push({ durationMs: rest, target: to });
    }
    return {
      kind: 'open',
      startRate,
      stages,
      ...(requests !== undefined ? { maxArrivals: requests } : {}),
      connections: o.connections !== undefined ? parsePositiveInt(o.connections, '--connections', 1, MAX_USERS) : defaults.openConnections,
      maxQueue: o.maxQueue !== undefined ? parsePositiveInt(o.maxQueue, '--max-queue', 0) : 100_000,
    };
  }
  const users = o.connections !== undefined ? parsePositiveInt(o.connections, '--connections', 1, MAX_USERS) : defaults.connections;
  const counts = o.cycles !== undefined ? parseList(o.cycles, '--cycles') : [users];
  const d = durationMs ?? (requests === undefined && perUser === undefined ? DEFAULT_DURATION_MS : undefined);
  return {
    kind: 'closed',
    steps: counts.map((u) => ({
      users: u,
      ...(requests !== undefined ? { iterations: requests } : {}),
      ...(perUser !== undefined ? { iterationsPerUser: perUser } : {}),
      ...(d !== undefined ? { durationMs: d } : {}),
    })),
    rampUpMs,
    thinkMs: o.think !== undefined ? parseDuration(o.think, '--think') : 0,
  };
}

/** resolveRunSettings reads the run settings every front door shares. */
export function resolveRunSettings(o: LoadOptions): { workers: number; intervalMs: number; graceMs: number } {
  const intervalMs = o.interval !== undefined ? parseDuration(o.interval, '--interval') : 1000;
  if (intervalMs < 10) throw usageError('--interval must be at least 10ms', 'for example --interval 1s');
  return {
    workers: o.workers !== undefined ? parsePositiveInt(o.workers, '--workers') : defaultWorkers(),
    intervalMs,
    graceMs: o.grace !== undefined ? parseDuration(o.grace, '--grace') : 5000,
  };
}

/** capWorkers keeps every worker busy: never more workers than users (or connections). */
export function capWorkers(workers: number, e: ExecutorSpec): number {
  const users = e.kind === 'open' ? e.connections : Math.max(...e.steps.map((s) => s.users));
  return Math.max(1, Math.min(workers, users));
}

