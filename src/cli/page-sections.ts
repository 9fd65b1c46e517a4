import { formatCount } from '../core/units.js';
import type { RunResult } from '../metrics/run-result.js';
import type { SectionView } from '../report/page-model.js';
import { genericSectionView } from '../report/section-view.js';
import { durabilityOf } from '../scenarios/durability/durability-figures.js';
import { durabilityView } from '../scenarios/durability/durability-view.js';

/**
 * agentsView shows a distributed run's agents (`sections.agents`): each agent's share of the work
 * (its requests, or iterations, as a bar against the total) and its state, red unless it finished.
 */
export function agentsView(result: RunResult): SectionView | undefined {
  const agents = result.sections?.agents;
  if (!Array.isArray(agents) || agents.length === 0) return undefined;
  const count = (a: (typeof agents)[number]) => (a.requests > 0 || a.iterations === undefined ? a.requests : a.iterations);
  const total = Math.max(1, agents.reduce((s, a) => s + count(a), 0));
  return {
    id: 'section-agents',
    title: 'Agents',
    tables: [
      {
        id: 'agents',
        title: '',
        head: ['agent', 'host', 'segment', 'workers', 'state', 'requests (or iterations)', 'share', 'error'],
        rows: agents.map((a) => [
          a.id,
          a.host,
          a.segment,
          String(a.workers),
          { text: a.state, tone: a.state === 'done' ? 'ok' : a.state === 'running' ? 'warn' : 'fail' },
          formatCount(count(a)),
          { text: `${((100 * count(a)) / total).toFixed(1)}%`, bar: count(a) / total },
          a.error ?? '',
        ]),
      },
    ],
    charts: [],
  };
}

/**
 * sectionViewsOf shows each section of a result on the page with the view of the front door that
 * wrote it (durability figures, agents), and any other section generically.
 */
export function sectionViewsOf(result: RunResult): SectionView[] {
  const out: SectionView[] = [];
  for (const [name, data] of Object.entries(result.sections ?? {})) {
    if (name === 'durability') {
      const f = durabilityOf(result);
      if (f !== undefined) out.push(durabilityView(f, result.intervals));
    } else if (name === 'agents') {
      const v = agentsView(result);
      if (v !== undefined) out.push(v);
    } else out.push(genericSectionView(name, data));
  }
  return out;
}
