#!/usr/bin/env node
/**
 * The gauntlet command line: the only place that parses argv, prints and exits.
 */
import { Command } from 'commander';
import { agentCommand } from './commands/agent.js';
import { basicCommand } from './commands/basic.js';
import { benchCommand } from './commands/bench.js';
import { demoCommand } from './commands/demo.js';
import { multitestCommand } from './commands/multitest.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { serveAppCommand } from './commands/serve-app.js';
import { serversCommand } from './commands/servers.js';
import { singletestCommand } from './commands/singletest.js';
import { exitWith, reportError, strictCommand } from './io.js';

async function main(argv: string[]): Promise<number> {
  let code = 0;
  const setExit = (c: number) => {
    code = c;
  };
  const program = strictCommand(new Command('gauntlet'))
    .description('Load tests, scripted load tests and server durability, with true numbers.')
    .version('0.1.0', '-V, --version')
    .addCommand(demoCommand(setExit))
    .addCommand(benchCommand(setExit))
    .addCommand(runCommand(setExit))
    .addCommand(basicCommand(setExit))
    .addCommand(singletestCommand(setExit))
    .addCommand(multitestCommand(setExit))
    .addCommand(serversCommand(setExit))
    .addCommand(serveAppCommand(setExit))
    .addCommand(reportCommand(setExit))
    .addCommand(agentCommand(setExit));
  program.commands.forEach((c) => strictCommand(c));
  try {
    await program.parseAsync(argv);
  } catch (e) {
    return reportError(e);
  }
  return code;
}

// A closed pipe (`gauntlet … | head`) ends the output, not the process with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') return;
    throw e;
  });
}

main(process.argv).then(exitWith, (e: unknown) => exitWith(reportError(e)));
