import { Command, CommanderError } from 'commander';
import { ExitCode, GauntletError } from '../core/errors.js';

/** out writes to stdout (reports). Only src/cli writes to the terminal. */
export function out(text: string): void {
  process.stdout.write(text);
}

/** err writes to stderr (progress, errors, notices). */
export function err(text: string): void {
  process.stderr.write(text);
}

/**
 * exitCodeFor prints an error as one line (plus a hint line) on stderr and returns its exit code:
 * user mistakes (GauntletError, commander usage errors) without a stack trace; anything else is a
 * bug and keeps its stack.
 */
export function reportError(e: unknown): number {
  if (e instanceof GauntletError) {
    err(`error: ${e.message}\n`);
    if (e.hint) err(`hint: ${e.hint}\n`);
    return e.exitCode;
  }
  if (e instanceof CommanderError) {
    if (e.exitCode === 0) return 0;
    err(`error: ${e.message.replace(/^error:\s*/, '')}\n`);
    err(`hint: run 'gauntlet --help' (or 'gauntlet <command> --help') for the flags\n`);
    return ExitCode.usage;
  }
  err(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return ExitCode.runtime;
}

/** exitWith flushes stdout/stderr and exits. */
export function exitWith(code: number): void {
  process.exitCode = code;
  // Let pending writes drain; process.exit would cut them on pipes.
  setImmediate(() => process.exit(code));
}

/** strictCommand makes a command throw on usage errors instead of exiting (printed by reportError). */
export function strictCommand(cmd: Command): Command {
  return cmd.exitOverride().configureOutput({ writeErr: () => {}, writeOut: (s) => out(s) }).showSuggestionAfterError(true).allowExcessArguments(false);
}
