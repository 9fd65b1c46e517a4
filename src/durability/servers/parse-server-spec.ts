import { usageError } from '../../core/errors.js';
import type { ProxyTraits } from '../proxy-expectations.js';
import { resolveServerSettings, type ResolvedSettings } from './process-adapter.js';
import { behindProxy } from './proxied-server.js';
import type { ProxyAdapter } from './proxy-adapter.js';
import { findProxyAdapter, getProxyAdapter } from './proxy-registry.js';
import type { ServerAdapter, ServerSettingValue } from './server-adapter.js';
import { getServerAdapter } from './server-registry.js';

/** ProxySpec is the proxy half of `-s 'nginx:read_timeout=2>node-http'`: the proxy, its settings and what they mean to the judge. */
export interface ProxySpec {
  /** text is the proxy's part as written (`nginx:read_timeout=2`). */
  readonly text: string;
  readonly adapter: ProxyAdapter;
  readonly settings: Readonly<Record<string, ServerSettingValue>>;
  readonly resolved: ResolvedSettings;
  /** traits change the expectations of some behaviours (a crash is a 502 behind nginx): see expectationBehindProxy. */
  readonly traits: ProxyTraits;
}

/** ServerSpec is a parsed `-s [PROXY[:key=value,...]>]NAME[:key=value,...]`: the adapter and its settings. */
export interface ServerSpec {
  /** text is the spec as written, for reports (`gunicorn-sync:workers=4`, `nginx>uvicorn`). */
  readonly text: string;
  /** adapter starts the server (behind the proxy, when there is one: then it is named `nginx>node-http`). */
  readonly adapter: ServerAdapter;
  /** settings as given (pass them to `adapter.start({ settings })`); the server's, not the proxy's. */
  readonly settings: Readonly<Record<string, ServerSettingValue>>;
  /** resolved settings with defaults applied, to show what will run. */
  readonly resolved: ResolvedSettings;
  /** proxy is the proxy in front, when the spec names one. */
  readonly proxy?: ProxySpec;
}

/** parseSettings reads `key=value,key=value` (the part after NAME:). */
function parseSettings(name: string, rest: string, text: string): Record<string, ServerSettingValue> {
  const settings: Record<string, ServerSettingValue> = {};
  if (rest.trim() === '') return settings;
  for (const part of rest.split(',')) {
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim();
    if (key === '' || eq < 0) {
      throw usageError(`server option '${part.trim()}' in '${text}' is not key=value`, `write it as ${name}:key=value,key=value`);
    }
    settings[key] = part.slice(eq + 1).trim();
  }
  return settings;
}

/** splitName cuts `NAME[:rest]` at its first colon. */
function splitName(text: string): { name: string; rest: string } {
  const colon = text.indexOf(':');
  return { name: (colon < 0 ? text : text.slice(0, colon)).trim(), rest: colon < 0 ? '' : text.slice(colon + 1) };
}

function parsePlain(text: string): ServerSpec {
  const trimmed = text.trim();
  const { name, rest } = splitName(trimmed);
  if (name === '') throw usageError(`server spec '${text}' has no server name`, 'write it as NAME or NAME:key=value,key=value');
  const adapter = getServerAdapter(name);
  let settings: Record<string, ServerSettingValue>;
  if (name === 'command') {
    if (rest.trim() === '') throw usageError('the command server needs a command line', "write it as -s 'command:<command line with {port}>'");
    settings = { cmd: rest.trim() };
  } else {
    settings = parseSettings(name, rest, text);
  }
  const resolved = resolveServerSettings(name, adapter.options, settings);
  return { text: trimmed, adapter, settings, resolved };
}

function parseProxied(text: string, head: string, tail: string): ServerSpec {
  const { name, rest } = splitName(head);
  const adapter = getProxyAdapter(name);
  const settings = parseSettings(name, rest, text);
  const resolved = resolveServerSettings(name, adapter.options, settings);
  if (tail.trim() === '') throw usageError(`no server behind ${name} in '${text}'`, `write it as ${name}>SERVER, e.g. ${name}>node-http`);
  const inner = parseServerSpec(tail);
  if (inner.proxy !== undefined) throw usageError(`'${text}' puts one proxy in front of another`, `one proxy at a time: ${name}>SERVER`);
  const proxy: ProxySpec = { text: head.trim(), adapter, settings, resolved, traits: adapter.traits(resolved) };
  return { text: `${proxy.text}>${inner.text}`, adapter: behindProxy(adapter, settings, inner.adapter), settings: inner.settings, resolved: inner.resolved, proxy };
}

/**
 * parseServerSpec reads a server spec: `node-http`, `gunicorn-sync:workers=4,timeout=5`,
 * `uwsgi:processes=2,harakiri=5`, or a server behind a proxy, `PROXY[:opts]>SERVER[:opts]`:
 * `nginx>gunicorn-sync:workers=2`, `nginx:read_timeout=2>node-http` (quote it on a shell command
 * line: an unquoted `>` redirects). For `command` everything after the colon is the command line
 * (`command:gunicorn -b {host}:{port} {app}`), commas and `>` included. Unknown servers, unknown
 * options and bad values are usage errors (exit 2) with a hint listing what is allowed; so is a
 * proxy with no server behind it (what an unquoted `-s nginx>node-http` leaves).
 */
export function parseServerSpec(text: string): ServerSpec {
  const trimmed = text.trim();
  const gt = trimmed.indexOf('>');
  const head = gt < 0 ? trimmed : trimmed.slice(0, gt);
  const headName = splitName(head).name;
  if (gt >= 0 && headName !== 'command') return parseProxied(trimmed, head, trimmed.slice(gt + 1));
  if (findProxyAdapter(headName) !== undefined) {
    throw usageError(
      `${headName} is a proxy: name the server behind it`,
      `write -s '${trimmed}>node-http' (in quotes: an unquoted > is the shell's redirection)`,
    );
  }
  return parsePlain(text);
}
