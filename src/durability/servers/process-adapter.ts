import net from 'node:net';
import { GauntletError, usageError } from '../../core/errors.js';
import { locateAppFiles, type AppFiles } from '../apps/app-files.js';
import { launchServer, type LaunchPlan } from './launch-server.js';
import type {
  RunningServer,
  ServerAdapter,
  ServerAvailability,
  ServerOptionSpec,
  ServerSettingValue,
  ServerStartOptions,
} from './server-adapter.js';

/** COMMON_SERVER_OPTIONS are the options every adapter takes, beside its own. */
export const COMMON_SERVER_OPTIONS: Readonly<Record<string, ServerOptionSpec>> = {
  start_timeout: { type: 'number', min: 0.1, default: 15, description: 'seconds to wait for the first good answer to GET /plain' },
  grace: { type: 'number', min: 0, default: 3, description: 'seconds between SIGTERM and SIGKILL on stop' },
};

/** ResolvedSettings are an adapter's settings after defaults and checks, by option name. */
export type ResolvedSettings = Readonly<Record<string, ServerSettingValue | undefined>>;

/** PlanContext is what an adapter's `plan` gets: where to listen and where the apps are. */
export interface PlanContext {
  readonly host: string;
  readonly port: number;
  readonly settings: ResolvedSettings;
  readonly files: AppFiles;
}

/** ProcessAdapterDefinition is the small part that differs between adapters. */
export interface ProcessAdapterDefinition {
  readonly name: string;
  readonly description: string;
  readonly runtime: ServerAdapter['runtime'];
  readonly options: Readonly<Record<string, ServerOptionSpec>>;
  available(): Promise<ServerAvailability>;
  /** plan builds the command line; only command, args, cwd, env and the readiness fields are read. */
  plan(context: PlanContext): Pick<LaunchPlan, 'command' | 'args'> & Partial<Pick<LaunchPlan, 'cwd' | 'env' | 'readyPath' | 'expectedProcesses' | 'readyLog'>>;
}

/**
 * resolveServerSettings applies defaults to an adapter's settings and checks each one against its
 * spec: an unknown option or a value of the wrong type is a usage error (exit 2) naming the server.
 */
export function resolveServerSettings(
  name: string,
  options: Readonly<Record<string, ServerOptionSpec>>,
  given: Readonly<Record<string, ServerSettingValue>> = {},
): ResolvedSettings {
  const all = { ...COMMON_SERVER_OPTIONS, ...options };
  const out: Record<string, ServerSettingValue | undefined> = {};
  for (const [key, spec] of Object.entries(all)) out[key] = spec.default;
  for (const [rawKey, value] of Object.entries(given)) {
    const key = rawKey.replace(/-/g, '_');
    const spec = all[key];
    if (spec === undefined) {
      throw usageError(`unknown option '${rawKey}' for server ${name}`, `${name} takes: ${Object.keys(all).join(', ')}`);
    }
    out[key] = coerceSetting(name, key, spec, value);
  }
  return out;
}

function coerceSetting(name: string, key: string, spec: ServerOptionSpec, value: ServerSettingValue): ServerSettingValue {
  const bad = (what: string): GauntletError =>
    usageError(`option '${key}' of server ${name} must be ${what}, got '${String(value)}'`, `${key}: ${spec.description}`);
  if (spec.type === 'string') {
    const text = String(value);
    if (spec.pattern !== undefined && !spec.pattern.re.test(text)) throw bad(spec.pattern.what);
    return text;
  }
  if (spec.type === 'boolean') {
    if (typeof value === 'boolean') return value;
    if (/^(true|yes|1|on)$/i.test(String(value))) return true;
    if (/^(false|no|0|off)$/i.test(String(value))) return false;
    throw bad('true or false');
  }
  const text = String(value).trim();
  const n = typeof value === 'number' ? value : text === '' ? NaN : Number(text);
  const what = `${spec.type === 'integer' ? 'a whole number' : 'a number'}${spec.min === undefined ? '' : ` ≥ ${spec.min}`}`;
  if (spec.type === 'integer' ? !Number.isSafeInteger(n) : !Number.isFinite(n)) throw bad(what);
  if (spec.min !== undefined && n < spec.min) throw bad(what);
  return n;
}

/** findFreePort binds host:0 and returns the port the kernel chose (then releases it). */
export function findFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

const PORT_TAKEN = /EADDRINUSE|address already in use|Address in use|could not bind|Errno 98/i;

/**
 * processAdapter turns a definition into a ServerAdapter whose start() resolves the settings, picks a
 * free loopback port (retrying twice if another process takes it first), launches the command in its
 * own process group and waits until it serves.
 */
export function processAdapter(definition: ProcessAdapterDefinition): ServerAdapter {
  let availability: Promise<ServerAvailability> | undefined;
  return {
    name: definition.name,
    description: definition.description,
    runtime: definition.runtime,
    options: definition.options,
    available: () => (availability ??= definition.available()),
    async start(options: ServerStartOptions = {}): Promise<RunningServer> {
      const settings = resolveServerSettings(definition.name, definition.options, options.settings);
      const host = options.host ?? '127.0.0.1';
      const files = locateAppFiles();
      for (let attempt = 1; ; attempt++) {
        const port = options.port ?? (await findFreePort(host));
        const plan = definition.plan({ host, port, settings, files });
        try {
          return await launchServer({
            ...plan,
            name: definition.name,
            host,
            port,
            env: { ...plan.env, ...options.env },
            startTimeoutMs: options.startTimeoutMs ?? (settings['start_timeout'] as number) * 1000,
            graceMs: options.graceMs ?? (settings['grace'] as number) * 1000,
            sampleIntervalMs: options.sampleIntervalMs ?? 500,
            logLimitBytes: options.logLimitBytes ?? 1024 * 1024,
          });
        } catch (error) {
          const retry = options.port === undefined && attempt < 3 && error instanceof GauntletError && PORT_TAKEN.test(error.message);
          if (!retry) throw error;
        }
      }
    },
  };
}
