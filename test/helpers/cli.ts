import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** CLI_PATH is the built gauntlet entry (build/src/cli/main.js, compiled from the same sources as the package's dist/). */
export const CLI_PATH = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** CliRun is a finished CLI process. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** spawnCli starts the CLI with args (and `env`, else this process's); `wait` resolves when it exits (killed after timeoutMs). */
export function spawnCli(args: string[], timeoutMs = 60_000, env?: NodeJS.ProcessEnv): { child: ChildProcess; wait: Promise<CliRun> } {
  const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...(env !== undefined ? { env } : {}) });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const wait = new Promise<CliRun>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return { child, wait };
}

/** runCli runs the CLI to the end. */
export function runCli(args: string[], timeoutMs?: number): Promise<CliRun> {
  return spawnCli(args, timeoutMs).wait;
}
