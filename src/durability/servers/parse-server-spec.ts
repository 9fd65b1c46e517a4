import { usageError } from '../../core/errors.js';
import { resolveServerSettings, type ResolvedSettings } from './process-adapter.js';
import type { ServerAdapter, ServerSettingValue } from './server-adapter.js';
import { getServerAdapter } from './server-registry.js';

/** ServerSpec is a parsed `-s NAME[:key=value,...]`: the adapter and its settings. */
export interface ServerSpec {
  /** text is the spec as written, for reports (`gunicorn-sync:workers=4`). */
  readonly text: string;
  readonly adapter: ServerAdapter;
  /** settings as given (pass them to `adapter.start({ settings })`). */
  readonly settings: Readonly<Record<string, ServerSettingValue>>;
  /** resolved settings with defaults applied, to show what will run. */
  readonly resolved: ResolvedSettings;
}

/**
 * parseServerSpec reads a server spec: `node-http`, `gunicorn-sync:workers=4,timeout=5`,
 * `uwsgi:processes=2,harakiri=5`. For `command` everything after the colon is the command line
 * (`command:gunicorn -b {host}:{port} {app}`), commas included. Unknown servers, unknown options and
 * bad values are usage errors (exit 2) with a hint listing what is allowed.
 */
export function parseServerSpec(text: string): ServerSpec {
  const trimmed = text.trim();
  const colon = trimmed.indexOf(':');
  const name = (colon < 0 ? trimmed : trimmed.slice(0, colon)).trim();
  const rest = colon < 0 ? '' : trimmed.slice(colon + 1);
  if (name === '') throw usageError(`server spec '${text}' has no server name`, 'write it as NAME or NAME:key=value,key=value');
  const adapter = getServerAdapter(name);
  const settings: Record<string, ServerSettingValue> = {};
  if (name === 'command') {
    if (rest.trim() === '') throw usageError('the command server needs a command line', "write it as -s 'command:<command line with {port}>'");
    settings['cmd'] = rest.trim();
  } else if (rest.trim() !== '') {
    for (const part of rest.split(',')) {
      const eq = part.indexOf('=');
      const key = (eq < 0 ? part : part.slice(0, eq)).trim();
      if (key === '' || eq < 0) {
        throw usageError(`server option '${part.trim()}' in '${text}' is not key=value`, `write it as ${name}:key=value,key=value`);
      }
      settings[key] = part.slice(eq + 1).trim();
    }
  }
  const resolved = resolveServerSettings(name, adapter.options, settings);
  return { text: trimmed, adapter, settings, resolved };
}
