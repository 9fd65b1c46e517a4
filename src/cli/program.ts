/**
 * The gauntlet program: every command, parsed from argv (main.ts loads it once it catches signals).
 */
import { Command } from 'commander';
import { createRequire } from 'node:module';
import { agentCommand } from './commands/agent.js';
import { agentsCommand } from './commands/agents.js';
import { attachCommand } from './commands/attach.js';
import { basicCommand } from './commands/basic.js';
import { compareCommand } from './commands/compare.js';
import { benchCommand } from './commands/bench.js';
import { keyCommand } from './commands/key.js';
import { demoCommand } from './commands/demo.js';
import { multitestCommand } from './commands/multitest.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { serveAppCommand } from './commands/serve-app.js';
import { serversCommand } from './commands/servers.js';
import { singletestCommand } from './commands/singletest.js';
import { stopCommand } from './commands/stop.js';
import { reportError, strictCommand } from './io.js';

/** VERSION is package.json's version, read by self-reference (from dist/ in a package and from build/ in the repo alike). */
const VERSION = (createRequire(import.meta.url)('gauntlet/package.json') as { version: string }).version;

/** main parses argv and runs the command; it resolves to the exit code (errors are printed already). */
export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const setExit = (c: number) => {
    code = c;
  };
  const program = strictCommand(new Command('gauntlet'))
    .description('Load tests, scripted load tests and server durability, with true numbers.')
    .version(VERSION, '-V, --version')
    .addCommand(demoCommand(setExit))
    .addCommand(benchCommand(setExit))
    .addCommand(runCommand(setExit))
    .addCommand(basicCommand(setExit))
    .addCommand(singletestCommand(setExit))
    .addCommand(multitestCommand(setExit))
    .addCommand(serversCommand(setExit))
    .addCommand(serveAppCommand(setExit))
    .addCommand(reportCommand(setExit))
    .addCommand(compareCommand(setExit))
    .addCommand(agentCommand(setExit))
    .addCommand(keyCommand())
    .addCommand(agentsCommand(setExit))
    .addCommand(stopCommand(setExit))
    .addCommand(attachCommand(setExit));
  program.commands.forEach((c) => strictCommand(c));
  try {
    await program.parseAsync(argv);
  } catch (e) {
    return reportError(e);
  }
  return code;
}
