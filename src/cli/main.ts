#!/usr/bin/env node
/**
 * The gauntlet command line: the only place that parses argv, prints and exits.
 *
 * It catches the stop signals (SIGINT, SIGTERM, SIGHUP) first and only then loads the commands
 * (a dynamic import: loading them takes a good part of a second), so a Ctrl-C during start-up is
 * kept for the run and still ends in a summary and exit 130 instead of silent death.
 */
import { ExitCode } from '../core/errors.js';
import { exitWith, installStopSignals, reportError, stopPending } from './io.js';

installStopSignals();

// A closed pipe (`gauntlet … | head`) ends the output, not the process with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') return;
    throw e;
  });
}

const { main } = await import('./program.js');
main(process.argv).then(
  (code) => exitWith(code === ExitCode.ok && stopPending() ? ExitCode.interrupted : code),
  (e: unknown) => exitWith(reportError(e)),
);
