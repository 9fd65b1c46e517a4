import { usageError } from '../core/errors.js';
import type { MergedMetrics } from './merged-metrics.js';
import { metricKey } from './registry.js';
import { evaluateThresholds, parseThreshold, type Threshold } from './thresholds.js';

/**
 * RegressionGate is one `--fail-on` criterion: k6's threshold syntax with the bound relative to the
 * base run, `METRIC AGG OP base[*FACTOR][±OFFSET[unit]]`, e.g. `http_req_duration p(99) > base*1.10`
 * or `http_reqs rate < base*0.95`. The expression says when the new run FAILS.
 */
export interface RegressionGate {
  /** threshold is the parsed metric, aggregation and operator (its `value` is unused). */
  readonly threshold: Threshold;
  readonly factor: number;
  /** offset is added to base × factor, in the metric's unit (ms for times). */
  readonly offset: number;
  /** text is the gate as written. */
  readonly text: string;
}

/** GateVerdict is a gate judged on one run against the base: `failed` when its expression holds (or a side has no data). */
export interface GateVerdict {
  readonly gate: string;
  readonly metric: string;
  readonly base: number;
  readonly bound: number;
  readonly actual: number;
  readonly failed: boolean;
}

const GATE = /^(.*?)(<=|>=|==|!=|<|>)\s*base\b\s*(?:\*\s*(\d+(?:\.\d+)?))?\s*(?:([+-])\s*(\d+(?:\.\d+)?)\s*([a-zµ%]*))?\s*$/i;
const HINT = "write it like 'http_req_duration p(99) > base*1.10', 'http_reqs rate < base*0.95' or 'http_req_duration p(95) > base+5ms' (k6's threshold syntax, the bound relative to the base run)";

/**
 * parseRegressionGate reads one `--fail-on` expression. The metric and aggregation go through the
 * threshold parser (the same names, tags, aggregations and units as `--threshold`); anything else is
 * a usage error (exit 2) with a hint.
 */
export function parseRegressionGate(text: string): RegressionGate {
  const m = GATE.exec(text);
  if (m === null) {
    if (!/\bbase\b/.test(text)) throw usageError(`--fail-on '${text}' does not compare with 'base'`, HINT);
    throw usageError(`--fail-on '${text}' is not of the form 'METRIC AGGREGATION OPERATOR base*FACTOR'`, HINT);
  }
  const [, left, op, factorText, sign, offsetText, unit] = m;
  const threshold = withGateText(() => parseThreshold(`${left!.trim()} ${op}0`), text);
  let offset = 0;
  if (offsetText !== undefined) {
    offset = withGateText(() => parseThreshold(`${left!.trim()} ${op}${offsetText}${unit ?? ''}`), text).value;
    if (sign === '-') offset = -offset;
  }
  return { threshold, factor: factorText === undefined ? 1 : Number(factorText), offset, text };
}

function withGateText<T>(f: () => T, text: string): T {
  try {
    return f();
  } catch (e) {
    const hint = (e as { hint?: string }).hint;
    throw usageError(`--fail-on '${text}': ${(e as Error).message.replace(/^threshold '[^']*'(: )?/, '')}`, hint ?? HINT);
  }
}

/**
 * evaluateGate judges a gate: the aggregate of the base run (as a threshold reads it) times the
 * factor plus the offset is the bound; the new run's aggregate is compared with it. A side without
 * data fails the gate (`actual` or `base` NaN), so a misspelt metric cannot pass silently.
 */
export function evaluateGate(gate: RegressionGate, base: MergedMetrics, baseMs: number, next: MergedMetrics, nextMs: number): GateVerdict {
  const t = gate.threshold;
  const baseValue = evaluateThresholds([t], base, baseMs)[0]!.actual;
  const bound = baseValue * gate.factor + gate.offset;
  const r = evaluateThresholds([{ ...t, value: bound }], next, nextMs)[0]!;
  const failed = Number.isNaN(baseValue) || Number.isNaN(r.actual) || r.ok;
  return { gate: gate.text, metric: metricKey(t.name, t.tags), base: baseValue, bound, actual: r.actual, failed };
}
