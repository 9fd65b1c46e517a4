import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GauntletError } from '../../core/errors.js';

/** AppFiles are the absolute paths of the behaviour apps and their launchers. */
export interface AppFiles {
  /** dir holds wsgi_app.py and wsgi_serve.py (cwd for gunicorn and waitress: `wsgi_app:application`). */
  readonly dir: string;
  /** wsgiApp is the WSGI module (`application` callable), for uWSGI's --wsgi-file. */
  readonly wsgiApp: string;
  /** wsgiServe launches wsgiref and Labour's Python servers on the app. */
  readonly wsgiServe: string;
  /** nodeServerMain is the compiled (or source, under a TypeScript loader) Node server entry point. */
  readonly nodeServerMain: string;
}

const here = dirname(fileURLToPath(import.meta.url));

/**
 * locateAppFiles finds the app files at run time. tsc does not copy `.py` files, so from a built
 * layout the Python files are found in the sources: the package build (dist/durability/apps) is three
 * levels below the package root, the test build (build/src/durability/apps) four; from the source
 * layout they sit beside this module. The package therefore ships `src/durability/apps/*.py`.
 */
export function locateAppFiles(): AppFiles {
  const candidates = [here, resolve(here, '../../../src/durability/apps'), resolve(here, '../../../../src/durability/apps')];
  const dir = candidates.find((d) => existsSync(join(d, 'wsgi_app.py')) && existsSync(join(d, 'wsgi_serve.py')));
  if (dir === undefined) {
    throw new GauntletError('GAUNTLET_SERVER_FAILED', `the WSGI behaviour app (wsgi_app.py) is missing; looked in ${candidates.join(', ')}`, {
      hint: 'reinstall Gauntlet: its package must ship src/durability/apps/*.py',
    });
  }
  const jsMain = join(here, 'node-server-main.js');
  const nodeServerMain = existsSync(jsMain) ? jsMain : join(here, 'node-server-main.ts');
  return { dir, wsgiApp: join(dir, 'wsgi_app.py'), wsgiServe: join(dir, 'wsgi_serve.py'), nodeServerMain };
}
