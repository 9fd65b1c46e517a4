import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { redactUrl } from '../../src/distributed/nats-connection.js';
import type { RunResult } from '../../src/metrics/run-result.js';
import { startCountingTarget } from '../helpers/counting-target.js';
import { haveOpensslOrSkip, keyText, makeJwtSetup, makeNkeyUser, makeTlsFiles, quote, runGauntlet, spawnAgent, startNatsWithConfig, tempDir, waitForText, type AuthNats } from '../helpers/nats-auth.js';

// Authenticated, encrypted NATS with NATS's own mechanisms, over a real nats-server started from a
// generated config: accounts with user passwords, a token, nkey users, decentralised JWT creds and
// mutual TLS. For each, an agent and a coordinator (`gauntlet bench --agents 1 -n 200`, the built CLI)
// complete a run the counting target confirms; wrong credentials are refused with one clear error
// (the coordinator) or a log line per attempt (an agent, which keeps retrying); and no secret ever
// appears in anything either process printed, JSON included.

// Signing keys live in a fresh config dir, inherited by the spawned agents and coordinators.
process.env['GAUNTLET_CONFIG_DIR'] = join(tempDir('auth-config'), 'config');

/** Mode is one way of authenticating: the URL and flags of the agent and the coordinator, and what must stay secret. */
interface Mode {
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
async function proveMode(t: TestContext, mode: Mode): Promise<void> {
  const dir = tempDir('auth');
  const nats = await startNatsWithConfig(t, dir, mode.config);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  const agent = spawnAgent(t, ['--nats', (mode.agentUrl ?? mode.url)(nats), '--id', 'auth0', ...mode.agentArgs], mode.env);
  await waitForText(agent.output, /waiting for runs/, 20_000, `the agent connected (nats-server: ${nats.log.text})`);
  assert.ok(agent.output.text.includes(` on ${redactUrl((mode.agentUrl ?? mode.url)(nats))} offers`), `the agent names its server, redacted:\n${agent.output.text}`);

  const run = await runGauntlet(t, ['bench', `${target.url}/`, '-n', '200', '-c', '2', '--agents', '1', '--nats', mode.url(nats), ...mode.coordinatorArgs, '--json', '-', '-q'], mode.env);
  assert.equal(run.code, 0, `the run failed:\n${run.stderr}`);
  const result = JSON.parse(run.stdout) as RunResult;
  assert.equal(result.stopReason, 'completed', result.error);
  assert.equal(result.metrics.counters['http_reqs'], 200);
  assert.equal(target.requests, 200, 'the target counted exactly 200');

  // A coordinator with wrong credentials: one error line and one hint, exit 2, the target untouched.
  const refused = await runGauntlet(t, ['bench', `${target.url}/`, '-n', '200', '--agents', '1', '--nats', mode.wrong.url(nats), ...mode.wrong.args, '--json', '-', '-q'], mode.wrong.env);
  const errors = refused.stderr.split('\n').filter((l) => l.startsWith('error: '));
  assert.equal(errors.length, 1, refused.stderr);
  assert.match(errors[0]!, mode.refused ?? /^error: NATS at nats:\/\/\S+ refused the credentials$/);
  assert.match(refused.stderr, /^hint: .+/m);
  assert.equal(refused.code, mode.refused ? 1 : 2, refused.stderr);
  assert.equal(target.requests, 200, 'a refused coordinator sent nothing');

  // An agent with wrong credentials keeps trying and says so once per attempt.
  const stray = spawnAgent(t, ['--nats', mode.wrong.url(nats), '--id', 'stray0', ...mode.wrong.args], mode.wrong.env);
  const attempt = mode.refused ? /(TLS to NATS|cannot reach NATS) at nats:\/\/\S+ .*retrying in/g : /NATS at nats:\/\/\S+ refused the credentials; retrying in/g;
  await waitForText(stray.output, new RegExp(`(${attempt.source}[^\\n]*\\n[^]*){2}`), 20_000, 'the stray agent logged two refused attempts');
  assert.equal(stray.child.exitCode, null, 'the stray agent is still retrying');
  assert.ok(!stray.output.text.includes('waiting for runs'), stray.output.text);

  assertNoSecret({ 'agent output': agent.output.text, 'coordinator stdout (JSON)': run.stdout, 'coordinator stderr': run.stderr, "refused coordinator's output": refused.stdout + refused.stderr, "stray agent's output": stray.output.text }, mode.secrets);
}

test('accounts with user passwords: --nats-password-file (agent) and user:password in the URL (coordinator) work; a wrong password in the URL is refused; never printed', { timeout: 90_000 }, async (t) => {
  const password = 'Pw-q7Zr2-distinctive-Kx9';
  const wrong = 'Wr0ng-pw-distinctive-Yt4';
  const passwordFile = join(tempDir('auth-pw'), 'password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  await proveMode(t, {
    config: (listen) => `listen: ${listen}\naccounts: {\n  LOAD: { users: [ { user: loader, password: ${quote(password)} } ] }\n  OTHER: { users: [ { user: other, password: ${quote('other-pw')} } ] }\n}\n`,
    url: (n) => `nats://loader:${password}@${n.hostPort}`,
    agentUrl: (n) => `nats://${n.hostPort}`,
    agentArgs: ['--nats-user', 'loader', '--nats-password-file', passwordFile],
    coordinatorArgs: [],
    wrong: { url: (n) => `nats://loader:${wrong}@${n.hostPort}`, args: [] },
    secrets: [password, wrong],
  });
});

test('accounts with user passwords: --nats-password-env (agent) and $GAUNTLET_NATS_PASSWORD (coordinator) work; a wrong --nats-password-file is refused', { timeout: 90_000 }, async (t) => {
  const password = 'Env-pw-distinctive-8hQ3';
  const wrong = 'File-wrong-distinctive-2mB6';
  const wrongFile = join(tempDir('auth-pw'), 'wrong');
  writeFileSync(wrongFile, wrong, { mode: 0o600 });
  await proveMode(t, {
    config: (listen) => `listen: ${listen}\naccounts: {\n  LOAD: { users: [ { user: loader, password: ${quote(password)} } ] }\n}\n`,
    url: (n) => `nats://${n.hostPort}`,
    agentArgs: ['--nats-user', 'loader', '--nats-password-env', 'AUTH_TEST_PW'],
    coordinatorArgs: ['--nats-user', 'loader'],
    env: { AUTH_TEST_PW: password, GAUNTLET_NATS_PASSWORD: password },
    wrong: { url: (n) => `nats://${n.hostPort}`, args: ['--nats-user', 'loader', '--nats-password-file', wrongFile] },
    secrets: [password, wrong],
  });
});

test('a token: --nats-token-file (agent) and GAUNTLET_NATS_TOKEN (coordinator) work; a wrong --nats-token-env is refused; never printed', { timeout: 90_000 }, async (t) => {
  const token = 'Tok-distinctive-Vn5w-3Lp8';
  const wrong = 'Tok-wrong-distinctive-Qa1';
  const tokenFile = join(tempDir('auth-token'), 'token');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  await proveMode(t, {
    config: (listen) => `listen: ${listen}\nauthorization { token: ${quote(token)} }\n`,
    url: (n) => `nats://${n.hostPort}`,
    agentArgs: ['--nats-token-file', tokenFile],
    coordinatorArgs: [],
    env: { GAUNTLET_NATS_TOKEN: token },
    wrong: { url: (n) => `nats://${n.hostPort}`, args: ['--nats-token-env', 'AUTH_TEST_TOKEN'], env: { AUTH_TEST_TOKEN: wrong } },
    secrets: [token, wrong],
  });
});

test('a token in the URL (nats://TOKEN@host) works for agent and coordinator and is shown as ***', { timeout: 90_000 }, async (t) => {
  const token = 'UrlTok-distinctive-Mz4c';
  await proveMode(t, {
    config: (listen) => `listen: ${listen}\nauthorization { token: ${quote(token)} }\n`,
    url: (n) => `nats://${token}@${n.hostPort}`,
    agentArgs: [],
    coordinatorArgs: [],
    wrong: { url: (n) => `nats://not-the-token@${n.hostPort}`, args: [] },
    secrets: [token],
  });
});

test('nkey users: --nats-nkey seed files work; an nkey the server does not list is refused; the seed is never printed', { timeout: 90_000 }, async (t) => {
  const dir = tempDir('auth-nkey');
  const user = makeNkeyUser(dir, 'loader');
  const stranger = makeNkeyUser(dir, 'stranger');
  await proveMode(t, {
    config: (listen) => `listen: ${listen}\nauthorization { users: [ { nkey: ${user.publicKey} } ] }\n`,
    url: (n) => `nats://${n.hostPort}`,
    agentArgs: ['--nats-nkey', user.seedFile],
    coordinatorArgs: ['--nats-nkey', user.seedFile],
    wrong: { url: (n) => `nats://${n.hostPort}`, args: ['--nats-nkey', stranger.seedFile] },
    secrets: [user.seed, stranger.seed],
  });
});

test('decentralised JWT: --nats-creds (operator, account, user made without nsc) works; a user of an unknown account is refused; the seed is never printed', { timeout: 90_000 }, async (t) => {
  const dir = tempDir('auth-jwt');
  const jwt = makeJwtSetup(dir);
  await proveMode(t, {
    config: (listen) => `listen: ${listen}\n${jwt.config}`,
    url: (n) => `nats://${n.hostPort}`,
    agentArgs: ['--nats-creds', jwt.credsFile],
    coordinatorArgs: ['--nats-creds', jwt.credsFile],
    wrong: { url: (n) => `nats://${n.hostPort}`, args: ['--nats-creds', jwt.strangerCredsFile] },
    secrets: [jwt.seed],
  });
});

test('mutual TLS (verify: true) with openssl-made certificates: CA + client certificate work; a client trusting another CA cannot connect; the key is never printed', { timeout: 120_000 }, async (t) => {
  if (!haveOpensslOrSkip(t)) return;
  const dir = tempDir('auth-tls');
  const tls = makeTlsFiles(dir);
  const good = ['--nats-tls-ca', tls.ca, '--nats-tls-cert', tls.clientCert, '--nats-tls-key', tls.clientKey];
  await proveMode(t, {
    config: (listen) => `listen: ${listen}\ntls {\n  cert_file: ${quote(tls.serverCert)}\n  key_file: ${quote(tls.serverKey)}\n  ca_file: ${quote(tls.ca)}\n  verify: true\n  timeout: 5\n}\n`,
    url: (n) => `nats://${n.hostPort}`,
    agentArgs: good,
    coordinatorArgs: good,
    wrong: { url: (n) => `nats://${n.hostPort}`, args: ['--nats-tls-ca', tls.otherCa, '--nats-tls-cert', tls.clientCert, '--nats-tls-key', tls.clientKey] },
    refused: /^error: TLS to NATS at nats:\/\/127\.0\.0\.1:\d+ failed: .+$/,
    secrets: [keyText(tls.clientKey), keyText(tls.serverKey)],
  });
  // verify: true holds: the right CA but no client certificate is not enough.
  const nats = await startNatsWithConfig(t, tempDir('auth-tls2'), (listen) => `listen: ${listen}\ntls {\n  cert_file: ${quote(tls.serverCert)}\n  key_file: ${quote(tls.serverKey)}\n  ca_file: ${quote(tls.ca)}\n  verify: true\n  timeout: 5\n}\n`);
  if (!nats) return;
  const noCert = await runGauntlet(t, ['bench', 'http://127.0.0.1:9/', '-n', '10', '--agents', '1', '--nats', `nats://${nats.hostPort}`, '--nats-tls-ca', tls.ca, '-q']);
  assert.equal(noCert.code, 1, noCert.stderr);
  assert.match(noCert.stderr, /^error: .*NATS at nats:\/\/127\.0\.0\.1:\d+.*\nhint: .+\n$/, 'one error line and one hint');
  assert.doesNotMatch(noCert.stderr, /found 0 of 1 idle agents/, 'it never got as far as looking for agents');
});

test('bad NATS auth flags are usage errors before anything connects: one error line, one hint, exit 2, no secret', { timeout: 60_000 }, async (t) => {
  const dir = tempDir('auth-usage');
  const secretFile = join(dir, 'password');
  writeFileSync(secretFile, 'File-content-distinctive-Hh3\n', { mode: 0o600 });
  const missing = join(dir, 'missing.creds');
  const cases: Array<{ args: string[]; env?: NodeJS.ProcessEnv; error: RegExp }> = [
    { args: ['bench', 'http://127.0.0.1:9/', '-n', '1', '--agents', '1', '--nats-creds', missing], error: new RegExp(`cannot read the NATS --nats-creds file ${missing} \\(ENOENT\\)`) },
    { args: ['agent', '--nats', 'nats://127.0.0.1:9', '--nats-nkey', missing], error: /cannot read the NATS --nats-nkey file .* \(ENOENT\)/ },
    { args: ['agent', '--nats', 'nats://127.0.0.1:9', '--nats-tls-ca', dir], error: /cannot read the NATS --nats-tls-ca file .* \(EISDIR\)/ },
    { args: ['bench', 'http://127.0.0.1:9/', '-n', '1', '--agents', '1', '--nats-user', 'u', '--nats-password-file', secretFile, '--nats-token', 'Flag-token-distinctive-Jj5'], error: /user and password and a token given/ },
    { args: ['bench', 'http://127.0.0.1:9/', '-n', '1', '--agents', '1', '--nats', 'nats://u:Url-pw-distinctive-Kk6@127.0.0.1:9', '--nats-nkey', secretFile], error: /an nkey seed and user:password in the URL given/ },
    { args: ['bench', 'http://127.0.0.1:9/', '-n', '1', '--agents', '1', '--nats-password-file', secretFile, '--nats-password-env', 'AUTH_TEST_PW'], env: { AUTH_TEST_PW: 'Env-pw-distinctive-Ll7' }, error: /--nats-password-env and --nats-password-file both give the NATS password/ },
    { args: ['agent', '--nats', 'nats://127.0.0.1:9', '--nats-user', 'u', '--nats-password-env', 'AUTH_TEST_UNSET_VAR'], error: /--nats-password-env AUTH_TEST_UNSET_VAR: that environment variable is not set/ },
    { args: ['bench', 'http://127.0.0.1:9/', '-n', '1', '--nats-token-file', secretFile], error: /--nats-token-file needs --agents N/ },
  ];
  for (const c of cases) {
    const r = await runGauntlet(t, c.args, c.env);
    assert.equal(r.code, 2, `${c.args.join(' ')}:\n${r.stderr}`);
    assert.match(r.stderr, /^error: [^\n]+\nhint: [^\n]+\n$/m, `${c.args.join(' ')}: an error line and a hint line`);
    assert.equal(r.stderr.split('\n').filter((l) => /^(error|hint): /.test(l)).length, 2, `${c.args.join(' ')}: one of each`);
    assert.match(r.stderr, c.error);
    assert.doesNotMatch(r.stdout + r.stderr, /distinctive/, 'no secret and no file content printed');
  }
});
