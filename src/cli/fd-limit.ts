import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Plan } from '../load/plan.js';
import { benchConnections } from '../scenarios/bench/bench-scenario.js';

/** FD_HEADROOM: descriptors the process needs besides its connections (stdio, workers, files, the loop). */
const FD_HEADROOM = 64;

/**
 * openFileLimit is the soft limit on open file descriptors of this process: from /proc/self/limits
 * on Linux, else from `ulimit -n` in a shell (which inherits it); undefined when unlimited or unknown.
 */
export function openFileLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m !== null) return m[1] === 'unlimited' ? undefined : Number(m[1]);
  } catch {
    // Not Linux: ask a shell.
  }
  try {
    const v = execFileSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return /^\d+$/.test(v) ? Number(v) : undefined;
  } catch {
    return undefined;
  }
}

/** planConnections is the most connections the plan holds open at once in this process. */
export function planConnections(plan: Plan): number {
  let n = 0;
  for (const p of plan.parts) {
    const e = p.executor;
    const users = e.kind === 'open' ? e.connections : Math.max(0, ...e.steps.map((s) => s.users));
    // A script's user holds one connection at a time; bench users may share theirs (-u N -c M, -p N).
    n += p.scenario.kind === 'bench' ? benchConnections(p.scenario, users) : users;
  }
  return n;
}

/**
 * fdLimitWarning is the warning for a plan that needs more file descriptors than the limit allows
 * (one per connection, plus headroom), or undefined when it fits. Running out is the generator's own
 * limit, so it is said before the run, not discovered as failures blamed on the target.
 */
export function fdLimitWarning(plan: Plan, limit = openFileLimit()): string | undefined {
  const c = planConnections(plan);
  if (limit === undefined || c + FD_HEADROOM <= limit) return undefined;
  let raise = 1024;
  while (raise < c + FD_HEADROOM) raise *= 2;
  return `warning: ${c} connections need about ${c} file descriptors but the limit is ${limit}; raise it with ulimit -n ${raise}, or let users share fewer connections (bench -u USERS -c CONNECTIONS)\n`;
}
