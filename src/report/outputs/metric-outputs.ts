import type { OutputFileOptions } from '../output-file.js';
import type { Reporter } from '../reporter.js';
import { JsonPointsOutput } from './json-points-output.js';
import { parseOutputSpec } from './output-spec.js';

/** MetricOutputOptions: where a file output's failure goes, and where a pushing output warns. */
export interface MetricOutputOptions extends OutputFileOptions {
  warn: (line: string) => void;
}

/**
 * metricOutputs builds the reporters of `--out` (repeatable): `json=FILE`, `prometheus=URL`,
 * `otlp=URL`. Every spec is parsed before any output opens, so a bad one is a usage error (exit 2)
 * before the run. The outputs hear the run's merged intervals and its final result, whatever runs it
 * (worker threads, or agents whose coordinator merges their intervals: exported once). The
 * Prometheus and OTLP modules (the OpenTelemetry SDK, protobufjs) load only when asked for: every
 * other command starts as fast as before.
 */
export async function metricOutputs(specs: readonly string[], options: MetricOutputOptions): Promise<Reporter[]> {
  const parsed = specs.map(parseOutputSpec);
  const out: Reporter[] = [];
  for (const s of parsed) {
    if (s.kind === 'json') out.push(new JsonPointsOutput(s.path, options));
    else if (s.kind === 'prometheus') out.push(new (await import('./prometheus-output.js')).PrometheusOutput(s, options.warn));
    else out.push(new (await import('./otlp-output.js')).OtlpOutput(s, options.warn));
  }
  return out;
}
