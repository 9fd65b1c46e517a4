/**
 * Errors with stable codes, exit codes and hints. Only `src/cli` turns them into stderr lines and exit
 * codes; everything below throws or returns them.
 */

/** ExitCode lists the process exit codes Gauntlet uses (documented in the README). */
export const ExitCode = {
  ok: 0,
  runtime: 1,
  usage: 2,
  thresholds: 99,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** GauntletErrorCode is the stable vocabulary of error codes, safe to match on in scripts. */
export type GauntletErrorCode =
  | 'GAUNTLET_USAGE'
  | 'GAUNTLET_CONFIG_INVALID'
  | 'GAUNTLET_OUTPUT_UNWRITABLE'
  | 'GAUNTLET_SCRIPT_INVALID'
  | 'GAUNTLET_SERVER_FAILED'
  | 'GAUNTLET_WORKER_FAILED'
  | 'GAUNTLET_RUNTIME';

/**
 * GauntletError is a user-facing failure: a one-line message saying what is wrong, a hint saying how
 * to fix it, a stable code and the exit code the CLI should use. User mistakes are GauntletErrors
 * with exit code 2 and are printed without a stack trace.
 */
export class GauntletError extends Error {
  readonly code: GauntletErrorCode;
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;

  constructor(code: GauntletErrorCode, message: string, options: { hint?: string; exitCode?: ExitCode; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GauntletError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? (code === 'GAUNTLET_USAGE' || code === 'GAUNTLET_CONFIG_INVALID' || code === 'GAUNTLET_OUTPUT_UNWRITABLE' || code === 'GAUNTLET_SCRIPT_INVALID' ? ExitCode.usage : ExitCode.runtime);
  }
}

/** usageError builds the common "bad input" error (exit 2) with a hint. */
export function usageError(message: string, hint?: string): GauntletError {
  return new GauntletError('GAUNTLET_USAGE', message, hint === undefined ? {} : { hint });
}
