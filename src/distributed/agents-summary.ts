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
    const count = a.requests > 0 || a.iterations === undefined ? `${a.requests.toLocaleString('en-US')} requests` : `${a.iterations.toLocaleString('en-US')} iterations`;
    return `  ${a.id.padEnd(24)} ${a.host}  segment ${a.segment}  ${a.workers} workers  ${a.state}  ${count}${a.error ? ` (${a.error})` : ''}`;
  });
  return `Agents:\n${lines.join('\n')}\n`;
}
