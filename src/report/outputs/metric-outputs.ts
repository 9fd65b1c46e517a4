import type { OutputFileOptions } from '../output-file.js';
import type { Reporter } from '../reporter.js';
import { JsonPointsOutput } from './json-points-output.js';
import { OtlpOutput } from './otlp-output.js';
import { parseOutputSpec } from './output-spec.js';
import { PrometheusOutput } from './prometheus-output.js';

/** MetricOutputOptions: where a file output's failure goes, and where a pushing output warns. */
export interface MetricOutputOptions extends OutputFileOptions {
  warn: (line: string) => void;
}

/**
 * metricOutputs builds the reporters of `--out` (repeatable): `json=FILE`, `prometheus=URL`,
 * `otlp=URL`. Every spec is parsed before any output opens, so a bad one is a usage error (exit 2)
 * before the run. The outputs hear the run's merged intervals and its final result, whatever runs it
 * (worker threads, or agents whose coordinator merges their intervals: exported once).
 */
export function metricOutputs(specs: readonly string[], options: MetricOutputOptions): Reporter[] {
  return specs
    .map(parseOutputSpec)
    .map((s) => (s.kind === 'json' ? new JsonPointsOutput(s.path, options) : s.kind === 'prometheus' ? new PrometheusOutput(s, options.warn) : new OtlpOutput(s, options.warn)));
}
