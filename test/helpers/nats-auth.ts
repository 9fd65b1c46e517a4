import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { nkeys } from '@nats-io/transport-node';
import { redactUrl } from '../../src/distributed/nats-connection.js';
import type { RunResult } from '../../src/metrics/run-result.js';
import { CLI_PATH, type CliRun } from './cli.js';
import { startCountingTarget } from './counting-target.js';
import { freePort, haveNatsOrSkip, waitForPort } from './nats.js';
import { skipOrFail } from './skip-or-fail.js';

// Helpers for the NATS authentication tests: a nats-server started from a generated config (users
// with passwords, a token, nkey users, decentralised JWT, TLS with certificates made by openssl), and
// agents of the built CLI started with extra flags whose every output line is kept.


/** AuthNats is a nats-server a test started from its own config file. */
export interface AuthNats {
  /** host:port, without a scheme or credentials (tests add them). */
  readonly hostPort: string;
  readonly port: number;
  readonly proc: ChildProcess;
  /** log is what nats-server printed (for a failing assertion's message). */
  readonly log: { text: string };
}

/** tempDir makes a private folder for a test's config, keys and certificates. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `gauntlet-${prefix}-`));
}

/**
 * startNatsWithConfig writes `config(port)` to a file in `dir` and starts nats-server with it on a
 * free port (killed after the test); without nats-server it fails in CI and skips elsewhere.
 */
export async function startNatsWithConfig(t: TestContext, dir: string, config: (listen: string) => string): Promise<AuthNats | undefined> {
  if (!haveNatsOrSkip(t)) return undefined;
  const port = await freePort();
  const file = join(dir, 'nats-server.conf');
  // Every server runs JetStream (distributed runs keep plans and snapshots there); accounts enable it in their blocks.
  writeFileSync(file, `${config(`127.0.0.1:${port}`)}\njetstream { store_dir: ${quote(join(dir, 'jetstream'))} }\n`, { mode: 0o600 });
  const proc = spawn('nats-server', ['-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = { text: '' };
  proc.stdout!.on('data', (d: Buffer) => (log.text += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (log.text += d.toString()));
  t.after(() => void proc.kill('SIGKILL'));
  await waitForPort(port, 10_000, log);
  return { hostPort: `127.0.0.1:${port}`, port, proc, log };
}

/** quote makes a string a double-quoted nats-server config value. */
export const quote = (s: string): string => JSON.stringify(s);

/** NkeyUser is a user nkey: its public key for the server's config and its seed in a file for the client. */
export interface NkeyUser {
  readonly publicKey: string;
  readonly seed: string;
  readonly seedFile: string;
}

/** makeNkeyUser creates a user nkey pair with @nats-io/nkeys (the official client's) and writes its seed to a private file. */
export function makeNkeyUser(dir: string, name = 'user'): NkeyUser {
  const kp = nkeys.createUser();
  const seed = new TextDecoder().decode(kp.getSeed());
  const seedFile = join(dir, `${name}.nk`);
  writeFileSync(seedFile, `${seed}\n`, { mode: 0o600 });
  return { publicKey: kp.getPublicKey(), seed, seedFile };
}

const b64url = (b: Uint8Array | string) => Buffer.from(b).toString('base64url');

/** signJwt encodes NATS JWT claims (alg ed25519-nkey) signed by the issuer's nkey, as nsc would. */
function signJwt(issuer: ReturnType<typeof nkeys.createOperator>, subject: string, name: string, nats: Record<string, unknown>): string {
  const claims = {
    jti: randomBytes(32).toString('hex').toUpperCase(),
    iat: Math.floor(Date.now() / 1000),
    iss: issuer.getPublicKey(),
    name,
    sub: subject,
    nats: { ...nats, version: 2 },
  };
  const head = `${b64url(JSON.stringify({ typ: 'JWT', alg: 'ed25519-nkey' }))}.${b64url(JSON.stringify(claims))}`;
  return `${head}.${b64url(issuer.sign(new TextEncoder().encode(head)))}`;
}

/** JwtSetup is a decentralised-auth set-up: the server's config lines and a user's creds file. */
export interface JwtSetup {
  /** config holds the operator, the memory resolver and the preloaded account (for the server config). */
  readonly config: string;
  readonly credsFile: string;
  /** seed is the user's nkey seed (inside the creds file), to check it is never printed. */
  readonly seed: string;
  /** strangerCredsFile is a well-formed creds file of a user of an account the server does not know. */
  readonly strangerCredsFile: string;
}

function credsOf(jwt: string, seed: string): string {
  return `-----BEGIN NATS USER JWT-----\n${jwt}\n------END NATS USER JWT------\n\n************************* IMPORTANT *************************\nNKEY Seed printed below can be used to sign and prove identity.\nNKEYs are sensitive and should be treated as secrets.\n\n-----BEGIN USER NKEY SEED-----\n${seed}\n------END USER NKEY SEED------\n\n*************************************************************\n`;
}

/**
 * makeJwtSetup builds operator → account → user JWTs without the nsc tool (claims signed with
 * @nats-io/nkeys as nsc does), the server's `operator`/`resolver: MEMORY` lines and a creds file.
 */
export function makeJwtSetup(dir: string): JwtSetup {
  const operator = nkeys.createOperator();
  const account = nkeys.createAccount();
  // JetStream limits too: distributed runs keep plans and snapshots in JetStream.
  const noLimits = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1, mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 };
  const operatorJwt = signJwt(operator, operator.getPublicKey(), 'gauntlet-test-operator', { type: 'operator' });
  const accountJwt = signJwt(operator, account.getPublicKey(), 'gauntlet-test-account', { type: 'account', limits: noLimits });
  const user = nkeys.createUser();
  const userJwt = signJwt(account, user.getPublicKey(), 'gauntlet-test-user', { type: 'user', pub: {}, sub: {}, subs: -1, data: -1, payload: -1 });
  const seed = new TextDecoder().decode(user.getSeed());
  const credsFile = join(dir, 'user.creds');
  writeFileSync(credsFile, credsOf(userJwt, seed), { mode: 0o600 });
  // A user signed by an account the operator never issued: well-formed, but refused.
  const strangerAccount = nkeys.createAccount();
  const stranger = nkeys.createUser();
  const strangerJwt = signJwt(strangerAccount, stranger.getPublicKey(), 'stranger', { type: 'user', pub: {}, sub: {}, subs: -1, data: -1, payload: -1 });
  const strangerCredsFile = join(dir, 'stranger.creds');
  writeFileSync(strangerCredsFile, credsOf(strangerJwt, new TextDecoder().decode(stranger.getSeed())), { mode: 0o600 });
  // JetStream in operator mode needs a system account.
  const system = nkeys.createAccount();
  const systemJwt = signJwt(operator, system.getPublicKey(), 'gauntlet-test-system', { type: 'account', limits: { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 } });
  const config = `operator: ${quote(operatorJwt)}\nsystem_account: ${system.getPublicKey()}\nresolver: MEMORY\nresolver_preload: {\n  ${account.getPublicKey()}: ${quote(accountJwt)}\n  ${system.getPublicKey()}: ${quote(systemJwt)}\n}\n`;
  return { config, credsFile, seed, strangerCredsFile };
}

/** TlsFiles are a CA, a server certificate for 127.0.0.1 and a client certificate it signed, with their keys. */
export interface TlsFiles {
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** otherCa is a CA that signed nothing here (a client trusting only it must refuse the server). */
  readonly otherCa: string;
}

/** haveOpensslOrSkip says whether openssl is installed; missing, it fails in CI and skips elsewhere. */
export function haveOpensslOrSkip(t: TestContext): boolean {
  if (spawnSync('openssl', ['version']).error !== undefined) {
    const message = 'openssl is not installed; install with: apt-get install -y openssl';
    skipOrFail(t, message);
    return false;
  }
  return true;
}

function openssl(dir: string, args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

/** makeTlsFiles makes a CA, a server certificate (subjectAltName IP:127.0.0.1) and a client certificate with openssl. */
export function makeTlsFiles(dir: string): TlsFiles {
  const p = (f: string) => join(dir, f);
  const ca = (name: string) => openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.pem`]);
  ca('ca');
  ca('other-ca');
  const leaf = (name: string, ext: string) => {
    openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
    writeFileSync(p(`${name}.ext`), ext);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`]);
  };
  leaf('server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'extendedKeyUsage=clientAuth\n');
  return { ca: p('ca.pem'), serverCert: p('server.pem'), serverKey: p('server.key'), clientCert: p('client.pem'), clientKey: p('client.key'), otherCa: p('other-ca.pem') };
}

/** keyText is a PEM file's body, to check that a private key never appears in output. */
export function keyText(file: string): string {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0 && !l.startsWith('-----')).slice(0, 2).join('\n');
}

/** Agent is a running agent of the built CLI; `output.text` is everything it printed so far. */
export interface Agent {
  readonly child: ChildProcess;
  readonly output: { text: string };
}

/** spawnAgent starts `gauntlet agent` with the given args (killed after the test) and keeps its stdout and stderr. */
export function spawnAgent(t: TestContext, args: string[], env: NodeJS.ProcessEnv = {}): Agent {
  const child = spawn(process.execPath, [CLI_PATH, 'agent', '-w', '1', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  t.after(() => void child.kill('SIGKILL'));
  const output = { text: '' };
  child.stdout!.on('data', (d: Buffer) => (output.text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output.text += d.toString()));
  return { child, output };
}

/** runGauntlet runs the built CLI to the end with extra environment variables (killed after timeoutMs and after the test). */
export function runGauntlet(t: TestContext, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  t.after(() => void child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise<CliRun>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
}

/** waitForText polls an output until it matches, or fails after timeoutMs (naming what it saw). */
export async function waitForText(output: { text: string }, pattern: RegExp, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!pattern.test(output.text)) {
    if (performance.now() > deadline) assert.fail(`${what} within ${timeoutMs} ms; output so far:\n${output.text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Mode is one way of authenticating: the URL and flags of the agent and the coordinator, and what must stay secret. */
export interface Mode {
  /** config is nats-server's config given its `listen` address. */
  config: (listen: string) => string;
  url: (nats: AuthNats) => string;
  /** agentUrl is the agent's URL when it differs from the coordinator's. */
  agentUrl?: (nats: AuthNats) => string;
  agentArgs: string[];
  coordinatorArgs: string[];
  env?: NodeJS.ProcessEnv;
  /** wrong: a coordinator's and an agent's URL and flags with credentials the server refuses. */
  wrong: { url: (nats: AuthNats) => string; args: string[]; env?: NodeJS.ProcessEnv };
  /** refused is what the coordinator's error line says about the wrong credentials. */
  refused?: RegExp;
  secrets: string[];
}

function assertNoSecret(texts: Record<string, string>, secrets: string[]): void {
  for (const [where, text] of Object.entries(texts)) {
    for (const s of secrets) assert.ok(!text.includes(s), `the secret ${s.slice(0, 4)}… appears in the ${where}:\n${text}`);
  }
}

/**
 * proveMode runs the whole check for one mode: an authenticated agent and coordinator complete
 * -n 200 (the target counts 200, the JSON on stdout says completed), a coordinator and an agent with
 * wrong credentials are refused clearly, and no secret is printed anywhere.
 */
export async function proveMode(t: TestContext, mode: Mode): Promise<AuthNats | undefined> {
  const dir = tempDir('auth');
  const nats = await startNatsWithConfig(t, dir, mode.config);
  if (!nats) return undefined;
  const target = await startCountingTarget();
  t.after(() => target.close());
  // The good agent and the stray one (wrong credentials) start together; then the refused coordinator runs.
  const agent = spawnAgent(t, ['--nats', (mode.agentUrl ?? mode.url)(nats), '--id', 'auth0', ...mode.agentArgs], mode.env);
  const stray = spawnAgent(t, ['--nats', mode.wrong.url(nats), '--id', 'stray0', ...mode.wrong.args], mode.wrong.env);
  await waitForText(agent.output, /waiting for runs/, 30_000, `the agent connected (nats-server: ${nats.log.text})`);
  const refused = await runGauntlet(t, ['bench', `${target.url}/`, '-n', '200', '--agents', '1', '--nats', mode.wrong.url(nats), ...mode.wrong.args, '--json', '-', '-q'], mode.wrong.env);
  assert.ok(agent.output.text.includes(` on ${redactUrl((mode.agentUrl ?? mode.url)(nats))} offers`), `the agent names its server, redacted:\n${agent.output.text}`);

  // A coordinator with wrong credentials: one error line and one hint, exit 2, the target untouched.
  const errors = refused.stderr.split('\n').filter((l) => l.startsWith('error: '));
  assert.equal(errors.length, 1, refused.stderr);
  assert.match(errors[0]!, mode.refused ?? /^error: NATS at nats:\/\/\S+ refused the credentials$/);
  assert.match(refused.stderr, /^hint: .+/m);
  assert.equal(refused.code, mode.refused ? 1 : 2, refused.stderr);
  assert.equal(target.requests, 0, 'a refused coordinator sent nothing');

  const run = await runGauntlet(t, ['bench', `${target.url}/`, '-n', '200', '-c', '2', '--agents', '1', '--nats', mode.url(nats), ...mode.coordinatorArgs, '--json', '-', '-q'], mode.env);
  assert.equal(run.code, 0, `the run failed:\n${run.stderr}`);
  const result = JSON.parse(run.stdout) as RunResult;
  assert.equal(result.stopReason, 'completed', result.error);
  assert.equal(result.metrics.counters['http_reqs'], 200);
  assert.equal(target.requests, 200, 'the target counted exactly 200');

  // An agent with wrong credentials keeps trying and says so once per attempt.
  const attempt = mode.refused ? /(TLS to NATS|cannot reach NATS) at nats:\/\/\S+ .*retrying in/g : /NATS at nats:\/\/\S+ refused the credentials; retrying in/g;
  await waitForText(stray.output, new RegExp(`(${attempt.source}[^\\n]*\\n[^]*){2}`), 20_000, 'the stray agent logged two refused attempts');
  assert.equal(stray.child.exitCode, null, 'the stray agent is still retrying');
  assert.ok(!stray.output.text.includes('waiting for runs'), stray.output.text);

  assertNoSecret({ 'agent output': agent.output.text, 'coordinator stdout (JSON)': run.stdout, 'coordinator stderr': run.stderr, "refused coordinator's output": refused.stdout + refused.stderr, "stray agent's output": stray.output.text }, mode.secrets);
  return nats;
}
