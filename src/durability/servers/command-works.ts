import { execFile } from 'node:child_process';
import type { ServerAvailability } from './server-adapter.js';

/**
 * commandWorks runs a short check command (`python3 -c "import gunicorn"`, `uwsgi --need-plugin
 * python3 --version`) and turns its result into a ServerAvailability: ok on exit 0, else the reason
 * (the command's last line of output, or that it is missing) and the install hint.
 */
export function commandWorks(command: string, args: readonly string[], install: string, timeoutMs = 10_000): Promise<ServerAvailability> {
  return new Promise((resolve) => {
    execFile(command, [...args], { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (!error) return resolve({ ok: true });
      const code = (error as NodeJS.ErrnoException).code;
      const shown = `${command} ${args.join(' ')}`.trim();
      const last = `${stderr}\n${stdout}`.trim().split('\n').filter(Boolean).pop();
      const why =
        code === 'ENOENT'
          ? `${command} is not installed (not found on PATH)`
          : error.killed
            ? `'${shown}' did not finish in ${timeoutMs / 1000}s`
            : `'${shown}' failed${last ? `: ${last.trim()}` : ` (exit ${String(code)})`}`;
      resolve({ ok: false, why, install });
    });
  });
}
