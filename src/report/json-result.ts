import { GauntletError } from '../core/errors.js';
import type { OutputFailure, OutputFileOptions } from './output-file.js';
import { BROKEN_HINT, checkRunResult } from './result-shape.js';
import { WholeOutputFile } from './whole-output-file.js';
import type { Reporter } from './reporter.js';
import { RESULT_FORMAT, RESULT_VERSION, type RunResult } from '../metrics/run-result.js';

/**
 * JsonReporter writes the whole RunResult (`--json`) at the end, whole or not at all (see
 * WholeOutputFile); the file is opened at the start. A write that fails is reported to
 * `options.onFailure` and kept in `failure`, never thrown: the run's result is not lost with it.
 */
export class JsonReporter implements Reporter {
  private readonly file: WholeOutputFile;
  constructor(path: string, options: OutputFileOptions = {}) {
    this.file = new WholeOutputFile(path, '--json', options);
  }
  /** failure is why the file was not written, if it was not. */
  get failure(): OutputFailure | undefined {
    return this.file.failure;
  }
  onEnd(result: RunResult): void {
    this.file.writeWhole(JSON.stringify(result, null, 1) + '\n');
  }
  onAbort(): void {
    this.file.discard();
  }
}

/**
 * parseRunResult reads a JSON result back (for `gauntlet report`), checking its format, version and
 * shape: a damaged file is one GauntletError naming the first bad field, never a TypeError later.
 */
export function parseRunResult(text: string, path: string): RunResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new GauntletError('GAUNTLET_USAGE', `${path} is not JSON: ${(err as Error).message}`, { hint: 'give a file written by --json' });
  }
  const r = data as Partial<RunResult>;
  if (typeof data !== 'object' || data === null || r.format !== RESULT_FORMAT || typeof r.version !== 'number' || !Number.isInteger(r.version) || r.version < 1) {
    throw new GauntletError('GAUNTLET_USAGE', `${path} is not a Gauntlet result`, { hint: 'give a file written by --json' });
  }
  if (r.version > RESULT_VERSION) throw new GauntletError('GAUNTLET_USAGE', `${path} has result version ${r.version}; this Gauntlet reads versions 1 to ${RESULT_VERSION}`, { hint: 'update Gauntlet' });
  if ((r.version as number) === 1) {
    const extra = (r as { extra?: unknown }).extra;
    if (extra !== undefined && (typeof extra !== 'object' || extra === null || Array.isArray(extra))) throw new GauntletError('GAUNTLET_USAGE', `${path}: extra is not an object`, { hint: BROKEN_HINT });
    return checkRunResult(fromVersion1(r as RunResult & { extra?: Record<string, unknown> }), path);
  }
  return checkRunResult(r, path);
}

/** fromVersion1 reads a version-1 result: its untyped `extra` bag held what `sections` holds now. */
function fromVersion1(r: RunResult & { extra?: Record<string, unknown> }): RunResult {
  const { extra, ...rest } = r;
  if (extra === undefined) return { ...rest, version: RESULT_VERSION };
  const { abortedBy, shutdownFailures, ...sections } = extra;
  return {
    ...rest,
    version: RESULT_VERSION,
    ...(typeof abortedBy === 'string' ? { abortedBy } : {}),
    sections: { ...(Array.isArray(shutdownFailures) ? { script: { shutdownFailures: shutdownFailures.map(String) } } : {}), ...sections } as RunResult['sections'],
  };
}
