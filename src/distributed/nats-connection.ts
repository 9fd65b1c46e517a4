import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Authenticator, ConnectionOptions, NatsConnection } from '@nats-io/transport-node';
import { GauntletError, usageError } from '../core/errors.js';
import { lazyRequire } from '../core/lazy-require.js';

/** The official NATS client loads when a run first talks to NATS (lazyRequire). */
const natsClient = lazyRequire<typeof import('@nats-io/transport-node')>('@nats-io/transport-node');

/**
 * NatsConnectOptions say where a NATS server is and how to prove who we are, with NATS's own
 * mechanisms: one of a creds file (decentralised JWT), an nkey seed file, user + password, or a token
 * (any of them may also ride in the URL as `nats://user:password@host` or `nats://token@host`), plus
 * TLS files for an encrypted (and, with a client certificate, mutually authenticated) connection.
 * Files are named, not read: `natsConnectionOptions` reads them, so nothing secret sits in a plan,
 * a log or a process list.
 */
export interface NatsConnectOptions {
  /** servers is the server URL, e.g. nats://127.0.0.1:4222 (credentials in it are honoured). */
  readonly servers: string;
  /** credsFile is a user creds file (user JWT + nkey seed), as nsc writes it. */
  readonly credsFile?: string;
  /** nkeySeedFile holds a user nkey seed (SU…). */
  readonly nkeySeedFile?: string;
  readonly user?: string;
  /** password goes with `user`; or `passwordFile`, read when connecting. */
  readonly password?: string;
  readonly passwordFile?: string;
  /** token is the server's authorization token; or `tokenFile`, read when connecting. */
  readonly token?: string;
  readonly tokenFile?: string;
  /** tls turns TLS on: a CA to verify the server by, and a client certificate and key for mutual TLS. */
  readonly tls?: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
}

/** USERINFO matches the `user:password@` or `token@` part of a URL (each URL of a comma-separated list), for splitUrl. */
const USERINFO = /(^|,)(\s*[a-z][a-z0-9+.-]*:\/\/)?([^@/,\s]*)@/gi;

/** SCHEMED matches `scheme://user:password@` or `scheme://token@` anywhere (in a URL list or a sentence). */
const SCHEMED = /([a-z][a-z0-9+.-]*:\/\/)([^@/\s,]*)@/gi;
/** BARE matches `user:password@` or `token@` of a URL without a scheme, at the start or after a comma. */
const BARE = /(^|,)(\s*)([^@/\s,]*)@/g;

const hide = (info: string) => {
  const colon = info.indexOf(':');
  return colon >= 0 ? `${info.slice(0, colon)}:***` : '***';
};

/**
 * redactUrl hides the secrets in a NATS URL (or in a message naming one) for every log line, error,
 * hint, summary and JSON: `nats://u:pw@host` becomes `nats://u:***@host` and `nats://token@host`
 * becomes `nats://***@host`.
 */
export function redactUrl(url: string): string {
  return url.replace(SCHEMED, (_m, scheme: string, info: string) => `${scheme}${hide(info)}@`).replace(BARE, (_m, sep: string, space: string, info: string) => `${sep}${space}${hide(info)}@`);
}

/** urlOf is the options' server URL, redacted: the one way to name a NATS server in output. */
export function urlOf(options: NatsConnectOptions | string): string {
  return redactUrl(typeof options === 'string' ? options : options.servers);
}

/** splitUrl takes the credentials out of a URL (the client would drop them silently). */
function splitUrl(url: string): { url: string; user?: string; password?: string; token?: string } {
  let found: { user?: string; password?: string; token?: string } = {};
  const bare = url.replace(USERINFO, (_m, sep: string, scheme: string | undefined, info: string) => {
    const colon = info.indexOf(':');
    const decode = (s: string) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    };
    found = colon >= 0 ? { user: decode(info.slice(0, colon)), password: decode(info.slice(colon + 1)) } : { token: decode(info) };
    return `${sep}${scheme ?? ''}`;
  });
  return { url: bare, ...found };
}

/** ipHostOf is the host of a one-server URL when it is an IP address (brackets of IPv6 removed). */
function ipHostOf(url: string): string | undefined {
  const host = /^\s*(?:[a-z][a-z0-9+.-]*:\/\/)?(\[[^\]]+\]|[^:/,\s]+)/i.exec(url)?.[1]?.replace(/^\[|\]$/g, '');
  return host !== undefined && isIP(host) !== 0 && !url.includes(',') ? host : undefined;
}

/** readSecretFile reads a file named by an option; missing or unreadable, a usage error names it (never its content). */
function readSecretFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw usageError(`cannot read the NATS ${what} file ${path} (${code})`, `check the path and that this user may read it (the ${what} flag names a file)`);
  }
}

/** fresh reads a file again at every (re)connect, so a rotated secret is picked up; unreadable then, the last good copy serves. */
function fresh<T>(path: string, what: string, parse: (b: Buffer) => T): () => T {
  let last = parse(readSecretFile(path, what));
  return () => {
    try {
      last = parse(readFileSync(path));
    } catch {
      // keep the last good copy: the reconnect goes on, and the server says whether it still holds
    }
    return last;
  };
}

const text = (b: Buffer) => b.toString('utf8').trim();
const seedOf = (b: Buffer) => new TextEncoder().encode(/\bSU[A-Z2-7]{50,}\b/.exec(b.toString('utf8'))?.[0] ?? text(b));

/** ResolvedNats is what natsConnectionOptions returns: the client's options and the secrets to scrub from its messages. */
export interface ResolvedNats {
  readonly connection: ConnectionOptions;
  /** url is the server URL redacted, for messages. */
  readonly url: string;
  /** authenticated says whether any credential was given (to tell "refused" from "requires"). */
  readonly authenticated: boolean;
  /** tls says whether TLS files were given. */
  readonly tls: boolean;
  /** secrets are the passwords/tokens given, so no message can carry them. */
  readonly secrets: readonly string[];
}

/**
 * natsConnectionOptions turns NatsConnectOptions into the official client's ConnectionOptions
 * (credsAuthenticator, nkeyAuthenticator, usernamePasswordAuthenticator, tokenAuthenticator, `tls`
 * files). It reads the files now (a missing one is a usage error) and again at every reconnect. Two
 * ways of authenticating at once is a usage error.
 */
export function natsConnectionOptions(options: NatsConnectOptions | string): ResolvedNats {
  const o: NatsConnectOptions = typeof options === 'string' ? { servers: options } : options;
  const split = splitUrl(o.servers);
  const user = o.user ?? split.user;
  const chosen = [
    o.credsFile !== undefined ? 'a creds file' : undefined,
    o.nkeySeedFile !== undefined ? 'an nkey seed' : undefined,
    o.user !== undefined || o.password !== undefined || o.passwordFile !== undefined ? 'user and password' : undefined,
    o.token !== undefined || o.tokenFile !== undefined ? 'a token' : undefined,
    split.user !== undefined ? 'user:password in the URL' : split.token !== undefined ? 'a token in the URL' : undefined,
  ].filter((c) => c !== undefined);
  if (chosen.length > 1) throw usageError(`NATS authentication: ${chosen.join(' and ')} given; the server takes one`, 'keep one of --nats-creds, --nats-nkey, --nats-user with a password, --nats-token (or credentials in the --nats URL)');
  if (o.password !== undefined && o.passwordFile !== undefined) throw usageError('NATS password given twice (a value and a file)', 'keep one of --nats-password, --nats-password-env, --nats-password-file');
  if (o.token !== undefined && o.tokenFile !== undefined) throw usageError('NATS token given twice (a value and a file)', 'keep one of --nats-token, --nats-token-env, --nats-token-file');
  if (user === undefined && (o.password !== undefined || o.passwordFile !== undefined)) throw usageError('a NATS password needs a user', 'add --nats-user NAME');
  if (o.user !== undefined && o.password === undefined && o.passwordFile === undefined) throw usageError(`NATS user ${o.user} has no password`, 'add --nats-password-file FILE or --nats-password-env VAR (or set GAUNTLET_NATS_PASSWORD)');
  if ((o.tls?.certFile === undefined) !== (o.tls?.keyFile === undefined)) throw usageError('a TLS client certificate needs its key (and a key its certificate)', 'give both --nats-tls-cert FILE and --nats-tls-key FILE');

  const secrets: string[] = [];
  const authenticators: Authenticator[] = [];
  if (o.credsFile !== undefined) {
    authenticators.push(natsClient().credsAuthenticator(fresh(o.credsFile, '--nats-creds', (b) => new Uint8Array(b))));
  } else if (o.nkeySeedFile !== undefined) {
    authenticators.push(natsClient().nkeyAuthenticator(fresh(o.nkeySeedFile, '--nats-nkey', seedOf)));
  } else if (user !== undefined) {
    if (o.passwordFile !== undefined) {
      const read = fresh(o.passwordFile, '--nats-password-file', text);
      secrets.push(read());
      authenticators.push(natsClient().usernamePasswordAuthenticator(user, read));
    } else {
      const password = o.password ?? split.password ?? '';
      secrets.push(password);
      authenticators.push(natsClient().usernamePasswordAuthenticator(user, password));
    }
  } else if (o.tokenFile !== undefined) {
    const read = fresh(o.tokenFile, '--nats-token-file', text);
    secrets.push(read());
    authenticators.push(natsClient().tokenAuthenticator(read));
  } else if ((o.token ?? split.token) !== undefined) {
    const token = (o.token ?? split.token)!;
    secrets.push(token);
    authenticators.push(natsClient().tokenAuthenticator(token));
  }
  let tls: ConnectionOptions['tls'];
  if (o.tls !== undefined) {
    // The client reads these files at every (re)connect; read them now too, so a wrong path is a usage error.
    if (o.tls.caFile !== undefined) readSecretFile(o.tls.caFile, '--nats-tls-ca');
    if (o.tls.certFile !== undefined) readSecretFile(o.tls.certFile, '--nats-tls-cert');
    if (o.tls.keyFile !== undefined) readSecretFile(o.tls.keyFile, '--nats-tls-key');
    // The client (3.3.1, nats.js#303) names no server for a certificate check when the URL's host is
    // an IP address, so Node checks "localhost"; `host` makes Node check the address actually dialled.
    const ip = ipHostOf(split.url);
    tls = {
      ...(ip !== undefined ? ({ host: ip } as object) : {}),
      ...(o.tls.caFile !== undefined ? { caFile: o.tls.caFile } : {}),
      ...(o.tls.certFile !== undefined ? { certFile: o.tls.certFile } : {}),
      ...(o.tls.keyFile !== undefined ? { keyFile: o.tls.keyFile } : {}),
    };
  }
  return {
    connection: { servers: split.url, ...(authenticators.length > 0 ? { authenticator: authenticators[0] } : {}), ...(tls !== undefined ? { tls } : {}) },
    url: redactUrl(o.servers),
    authenticated: authenticators.length > 0,
    tls: tls !== undefined,
    secrets: secrets.filter((s) => s.length > 0),
  };
}

/** scrub replaces every given secret in a message with ***. */
function scrub(message: string, secrets: readonly string[]): string {
  let m = message;
  for (const s of secrets) m = m.split(s).join('***');
  return redactUrl(m);
}

/**
 * describeNatsError explains a failed connection in one line without secrets: a refused credential
 * (`Authorization Violation`), an expired user JWT, TLS trouble, or the client's own words.
 */
export function describeNatsError(err: unknown, nats: ResolvedNats): { message: string; hint: string; auth: boolean } {
  const e = err as Error;
  const raw = scrub(e?.message ?? String(err), nats.secrets);
  if (e?.name === 'AuthorizationError' || /authorization violation/i.test(raw)) {
    return nats.authenticated
      ? { message: `NATS at ${nats.url} refused the credentials`, hint: 'check the user and password, token, nkey or creds file against the server\'s authorization config', auth: true }
      : { message: `NATS at ${nats.url} requires credentials`, hint: 'give them with --nats-creds, --nats-nkey, --nats-user and --nats-password-file, or --nats-token-file', auth: true };
  }
  if (e?.name === 'UserAuthenticationExpiredError' || /authentication expired/i.test(raw)) {
    return { message: `NATS at ${nats.url} refused the credentials: they expired`, hint: 'issue fresh creds (nsc) and point --nats-creds at them', auth: true };
  }
  if (/certificate|tls|ssl|handshake/i.test(raw)) {
    return { message: `TLS to NATS at ${nats.url} failed: ${raw}`, hint: 'give the CA that signed the server certificate with --nats-tls-ca, and --nats-tls-cert/--nats-tls-key if the server verifies clients', auth: false };
  }
  if (nats.tls) {
    return { message: `cannot connect to NATS at ${nats.url} over TLS: ${raw}`, hint: 'a server that verifies clients drops one without a certificate it trusts: check --nats-tls-cert/--nats-tls-key against its tls block (ca_file, verify)', auth: false };
  }
  return { message: `cannot connect to NATS at ${nats.url}: ${raw}`, hint: 'start a NATS server with JetStream (nats-server -a 127.0.0.1 -p 4222 -js -sd DIR) and give its URL with --nats', auth: false };
}

/**
 * connectNats connects to a NATS server (a URL, or NatsConnectOptions with credentials and TLS),
 * turning a failure into a GauntletError with a hint: refused credentials exit 2, the rest 1.
 */
export async function connectNats(options: NatsConnectOptions | string, name: string): Promise<NatsConnection> {
  const nats = natsConnectionOptions(options);
  try {
    // Reconnect every 0.5 s for about a minute: a NATS restart mid-run loses nothing (see snapshot-stream.ts).
    return await natsClient().connect({ ...nats.connection, name, timeout: 5000, reconnectTimeWait: 500, maxReconnectAttempts: 120 });
  } catch (err) {
    const d = describeNatsError(err, nats);
    throw new GauntletError(d.auth ? 'GAUNTLET_CONFIG_INVALID' : 'GAUNTLET_RUNTIME', d.message, { hint: d.hint });
  }
}

/** RECONNECT_WAIT_MS is the agents' first wait between NATS connection attempts; it doubles up to RECONNECT_MAX_MS. */
const RECONNECT_WAIT_MS = 500;
const RECONNECT_MAX_MS = 5000;

/**
 * connectNatsForever is an agent's connection: it retries the first connect with backoff (one log
 * line per failed attempt, a refused credential named as such, never a secret) until it succeeds or
 * `signal` aborts (then undefined), and the connection reconnects for ever after (a NATS restart, a
 * network cut or credentials refused for a while do not end the agent). A missing credentials file
 * is a usage error at once.
 */
export async function connectNatsForever(options: NatsConnectOptions | string, name: string, log: (line: string) => void, signal: AbortSignal): Promise<NatsConnection | undefined> {
  const nats = natsConnectionOptions(options);
  let waitMs = RECONNECT_WAIT_MS;
  while (!signal.aborted) {
    try {
      const nc = await natsClient().connect({ ...nats.connection, name, timeout: 5000, maxReconnectAttempts: -1, reconnectTimeWait: 1000, ignoreAuthErrorAbort: true });
      void (async () => {
        for await (const s of nc.status()) {
          if (s.type === 'disconnect') log(`NATS connection to ${redactUrl(s.server)} lost; reconnecting`);
          else if (s.type === 'reconnect') log(`NATS connection to ${redactUrl(s.server)} is back`);
          else if (s.type === 'error') {
            const d = describeNatsError(s.error, nats);
            log(d.auth ? `${d.message}; reconnecting` : `NATS error: ${scrub(s.error.message, nats.secrets)}`);
          }
        }
      })();
      return nc;
    } catch (err) {
      const d = describeNatsError(err, nats);
      log(`${d.auth ? d.message : `cannot reach NATS at ${nats.url} (${scrub((err as Error).message, nats.secrets)})`}; retrying in ${(waitMs / 1000).toFixed(1)} s`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, waitMs);
        signal.addEventListener('abort', done, { once: true });
        function done() {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        }
      });
      waitMs = Math.min(RECONNECT_MAX_MS, waitMs * 2);
    }
  }
  return undefined;
}
