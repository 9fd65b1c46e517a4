import type { Command } from 'commander';
import { usageError } from '../../core/errors.js';
import type { NatsConnectOptions } from '../../distributed/nats-connection.js';

/** NATS_PASSWORD_ENV and NATS_TOKEN_ENV are the environment defaults for a password (with --nats-user) and a token. */
export const NATS_PASSWORD_ENV = 'GAUNTLET_NATS_PASSWORD';
export const NATS_TOKEN_ENV = 'GAUNTLET_NATS_TOKEN';

/**
 * addNatsFlags adds the NATS authentication and TLS flags to every command that connects to NATS
 * (`agent`, and `bench|run --agents N`): one set, so agents and coordinators authenticate alike.
 */
export function addNatsFlags(cmd: Command): Command {
  return cmd
    .option('--nats-creds <file>', 'NATS user creds file (JWT and nkey seed, as nsc writes it)')
    .option('--nats-nkey <file>', 'file holding a NATS user nkey seed (SU…)')
    .option('--nats-user <name>', `NATS user; its password from --nats-password-file, --nats-password-env or $${NATS_PASSWORD_ENV}`)
    .option('--nats-password <password>', 'NATS password (discouraged: visible in the process list; prefer --nats-password-file or -env)')
    .option('--nats-password-env <var>', 'read the NATS password from this environment variable')
    .option('--nats-password-file <file>', 'read the NATS password from this file')
    .option('--nats-token <token>', `NATS token (discouraged: visible in the process list; prefer --nats-token-file or $${NATS_TOKEN_ENV})`)
    .option('--nats-token-env <var>', 'read the NATS token from this environment variable')
    .option('--nats-token-file <file>', 'read the NATS token from this file')
    .option('--nats-tls-ca <file>', 'TLS to NATS: the CA that signed the server certificate')
    .option('--nats-tls-cert <file>', 'TLS to NATS: client certificate (mutual TLS; with --nats-tls-key)')
    .option('--nats-tls-key <file>', 'TLS to NATS: client private key');
}

/** NatsFlagValues are the parsed values of addNatsFlags. */
export interface NatsFlagValues {
  natsCreds?: string;
  natsNkey?: string;
  natsUser?: string;
  natsPassword?: string;
  natsPasswordEnv?: string;
  natsPasswordFile?: string;
  natsToken?: string;
  natsTokenEnv?: string;
  natsTokenFile?: string;
  natsTlsCa?: string;
  natsTlsCert?: string;
  natsTlsKey?: string;
}

/** natsFlagsGiven lists the NATS flags set on the command line (for "needs --agents"). */
export function natsFlagsGiven(f: NatsFlagValues): string[] {
  return Object.entries(f)
    .filter(([k, v]) => k.startsWith('nats') && k !== 'nats' && v !== undefined)
    .map(([k]) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
}

function fromEnv(name: string, flag: string): string {
  const v = process.env[name];
  if (v === undefined || v === '') throw usageError(`${flag} ${name}: that environment variable is not set`, `export ${name}=… before starting gauntlet, or use the -file flag`);
  return v;
}

/**
 * natsOptionsOf maps the URL and the NATS flags to NatsConnectOptions. Values from the environment
 * are read here; files are only named (read when connecting). Two sources of one secret are a usage
 * error; $GAUNTLET_NATS_PASSWORD serves a --nats-user given no password, $GAUNTLET_NATS_TOKEN serves
 * when no other credential is given.
 */
export function natsOptionsOf(servers: string, f: NatsFlagValues): NatsConnectOptions {
  const passwords = [f.natsPassword !== undefined && '--nats-password', f.natsPasswordEnv !== undefined && '--nats-password-env', f.natsPasswordFile !== undefined && '--nats-password-file'].filter(Boolean);
  if (passwords.length > 1) throw usageError(`${passwords.join(' and ')} both give the NATS password`, 'keep one of them');
  const tokens = [f.natsToken !== undefined && '--nats-token', f.natsTokenEnv !== undefined && '--nats-token-env', f.natsTokenFile !== undefined && '--nats-token-file'].filter(Boolean);
  if (tokens.length > 1) throw usageError(`${tokens.join(' and ')} both give the NATS token`, 'keep one of them');
  let password = f.natsPasswordEnv !== undefined ? fromEnv(f.natsPasswordEnv, '--nats-password-env') : f.natsPassword;
  let token = f.natsTokenEnv !== undefined ? fromEnv(f.natsTokenEnv, '--nats-token-env') : f.natsToken;
  const envPassword = process.env[NATS_PASSWORD_ENV];
  if (f.natsUser !== undefined && password === undefined && f.natsPasswordFile === undefined && envPassword) password = envPassword;
  const envToken = process.env[NATS_TOKEN_ENV];
  const other = f.natsCreds ?? f.natsNkey ?? f.natsUser ?? f.natsTokenFile ?? password ?? token ?? (/:\/\/[^/]*@/.test(servers) ? servers : undefined);
  if (other === undefined && envToken) token = envToken;
  return {
    servers,
    ...(f.natsCreds !== undefined ? { credsFile: f.natsCreds } : {}),
    ...(f.natsNkey !== undefined ? { nkeySeedFile: f.natsNkey } : {}),
    ...(f.natsUser !== undefined ? { user: f.natsUser } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(f.natsPasswordFile !== undefined ? { passwordFile: f.natsPasswordFile } : {}),
    ...(token !== undefined ? { token } : {}),
    ...(f.natsTokenFile !== undefined ? { tokenFile: f.natsTokenFile } : {}),
    ...(f.natsTlsCa !== undefined || f.natsTlsCert !== undefined || f.natsTlsKey !== undefined
      ? { tls: { ...(f.natsTlsCa !== undefined ? { caFile: f.natsTlsCa } : {}), ...(f.natsTlsCert !== undefined ? { certFile: f.natsTlsCert } : {}), ...(f.natsTlsKey !== undefined ? { keyFile: f.natsTlsKey } : {}) } }
      : {}),
  };
}
