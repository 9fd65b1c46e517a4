import { Command, CommanderError } from 'commander';
import { ExitCode, GauntletError } from '../core/errors.js';

/** out writes to stdout (reports). Only src/cli writes to the terminal. */
export function out(text: string): void {
  (textToStderr ? process.stderr : process.stdout).write(text);
}

let textToStderr = false;

/**
 * sendTextToStderr sends every later `out` (the text summary) to stderr, for `--json -`: stdout then
 * holds the JSON alone, so `gauntlet bench URL --json - | jq` works and the summary is still seen.
 */
export function sendTextToStderr(): void {
  textToStderr = true;
}

/** outData writes machine-readable output (`--json -`) to stdout, whatever sendTextToStderr said. */
export function outData(text: string): void {
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

/**
 * STOP_SIGNALS are the signals that stop a run gracefully: Ctrl-C (SIGINT), SIGTERM (kill, service
 * managers) and SIGHUP (the terminal or ssh session went away). All three behave the same way:
 * summary printed, files closed whole, exit 130.
 */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

type StopListener = (signal: NodeJS.Signals) => void;
const stopListeners = new Set<StopListener>();
let pendingStops: NodeJS.Signals[] = [];
let stopSignalsInstalled = false;

function onStopSignal(signal: NodeJS.Signals): void {
  if (stopListeners.size > 0) {
    for (const listener of [...stopListeners]) listener(signal);
    return;
  }
  // Nothing to stop yet (still starting up): remember it for the next onStop; a second one with
  // nothing listening means the start-up hangs, so exit now (the exit hooks still kill our servers).
  pendingStops.push(signal);
  if (pendingStops.length >= 2) {
    err(`error: stopped (${signal}) twice before anything had started\n`);
    process.exit(ExitCode.interrupted);
  }
}

/**
 * installStopSignals catches STOP_SIGNALS for the whole process, once. main.ts calls it before it
 * loads the commands, so a signal that comes while Gauntlet is still starting is not the default
 * death (no output at all) but is kept for the run about to start (see onStop). Idempotent.
 */
export function installStopSignals(): void {
  if (stopSignalsInstalled) return;
  stopSignalsInstalled = true;
  for (const signal of STOP_SIGNALS) process.on(signal, onStopSignal);
}

/**
 * onStop calls `listener` for every stop signal until the returned function is called. A signal
 * that came while nothing listened (start-up) is handed to the first listener, asynchronously, so
 * a run started after an early Ctrl-C stops at once and still reports.
 */
export function onStop(listener: StopListener): () => void {
  installStopSignals();
  stopListeners.add(listener);
  if (pendingStops.length > 0) {
    const early = pendingStops;
    pendingStops = [];
    queueMicrotask(() => {
      for (const signal of early) if (stopListeners.has(listener)) listener(signal);
    });
  }
  return () => {
    stopListeners.delete(listener);
  };
}

/** stopPending says whether a stop signal came that no listener took (the command ran to its end anyway). */
export function stopPending(): boolean {
  return pendingStops.length > 0;
}

/**
 * requestStop stops the run as a stop signal would (the dashboard's stop button): the same listeners,
 * the same messages; a second request aborts in-flight requests, as a second Ctrl-C does.
 */
export function requestStop(): void {
  onStopSignal('SIGINT');
}
