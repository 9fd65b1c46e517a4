import { formatCount } from '../core/units.js';
import type { RunResult } from '../metrics/run-result.js';

/** AgentLine is one agent as a distributed result lists it in `sections.agents`. */
export interface AgentLine {
  id: string;
  host: string;
  segment: string;
  workers: number;
  state: string;
  requests: number;
  iterations?: number;
  error?: string;
  /** lostAtS: a lost agent was last heard from this many seconds into the run (--on-agent-loss continue). */
  lostAtS?: number;
  /** notRun: the share that did not run after the loss (`segment 1/2 from 1.4 s on`). */
  notRun?: string;
  /** notDone: for a run bounded by count, how many iterations did not run (when one agent was lost). */
  notDone?: number;
}

declare module '../metrics/run-result.js' {
  interface ResultSections {
    /** agents lists a distributed run's agents: share, state and counts. */
    agents: AgentLine[];
  }
}

/**
 * renderAgents lists a distributed run's agents (from `sections.agents`): share, state and counts; ''
 * for a local run. A pure function of the result, like every renderer.
 */
export function renderAgents(result: RunResult): string {
  const agents = result.sections?.agents;
  if (agents === undefined || agents.length === 0) return '';
  const lines = agents.map((a) => {
    const count = a.requests > 0 || a.iterations === undefined ? `${formatCount(a.requests)} requests` : `${formatCount(a.iterations)} iterations`;
    const why = [...(a.error ? [a.error] : []), ...(a.notRun ? [`not run: ${a.notRun}`] : []), ...(a.notDone !== undefined ? [`${formatCount(a.notDone)} iterations not done`] : [])];
    return `  ${a.id.padEnd(24)} ${a.host}  segment ${a.segment}  ${a.workers} workers  ${a.state}  ${count}${why.length > 0 ? ` (${why.join('; ')})` : ''}`;
  });
  return `Agents:\n${lines.join('\n')}\n`;
}
