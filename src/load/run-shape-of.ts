import type { RunShape, ShapePart, ShapeStep } from '../metrics/run-shape.js';
import type { Plan } from './plan.js';

/**
 * runShapeOf describes a plan's shape for the reports: each part's users or connections, and the
 * steps that have a span on the clock — each step of a cycle (`--cycles 10:20:30 -d 10s`), the
 * ramp-up and the steady part of a single step (`--ramp-up`), each stage of an open schedule
 * (`--stages`, a ramped `--rate`). A step that ends by a count has no planned span and no step.
 */
export function runShapeOf(plan: Plan): RunShape {
  const parts: ShapePart[] = [];
  const steps: ShapeStep[] = [];
  const named = plan.parts.length > 1;
  for (const p of plan.parts) {
    const e = p.executor;
    const prefix = named ? `${p.name}: ` : '';
    if (e.kind === 'closed') {
      parts.push({ name: p.name, kind: 'closed', users: e.steps.map((s) => s.users), rampUpMs: e.rampUpMs });
      if (e.steps.some((s) => s.durationMs === undefined)) continue;
      let at = 0;
      if (e.steps.length === 1) {
        const d = e.steps[0]!.durationMs!;
        const users = e.steps[0]!.users;
        if (e.rampUpMs <= 0 || e.rampUpMs >= d) continue;
        steps.push({ part: p.name, label: `${prefix}ramp-up`, startMs: 0, endMs: e.rampUpMs, users });
        steps.push({ part: p.name, label: `${prefix}steady`, startMs: e.rampUpMs, endMs: d, users });
        continue;
      }
      for (const [k, s] of e.steps.entries()) {
        steps.push({ part: p.name, label: `${prefix}step ${k + 1}`, startMs: at, endMs: at + s.durationMs!, users: s.users });
        at += s.durationMs!;
      }
    } else {
      parts.push({ name: p.name, kind: 'open', connections: e.connections });
      if (e.stages.length < 2 || e.maxArrivals !== undefined) continue;
      let at = 0;
      let from = e.startRate;
      for (const [k, s] of e.stages.entries()) {
        steps.push({ part: p.name, label: `${prefix}stage ${k + 1}`, startMs: at, endMs: at + s.durationMs, rate: { from, to: s.target } });
        at += s.durationMs;
        from = s.target;
      }
    }
  }
  return { parts, steps };
}
