import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { proveMode, quote, runGauntlet, tempDir } from '../helpers/nats-auth.js';

// Authenticated NATS with NATS's own mechanisms, over a real nats-server started from a generated
// config: accounts with user passwords and a token (nkeys, JWT creds and mutual TLS are in
// distributed-auth-keys.test.ts). For each, an agent and a coordinator (`gauntlet bench --agents 1
// -n 200`, the built CLI) complete a run the counting target confirms; wrong credentials are refused
// with one clear error (the coordinator) or a log line per attempt (an agent, which keeps retrying);
// and no secret ever appears in anything either process printed, JSON included.

// Signing keys live in a fresh config dir, inherited by the spawned agents and coordinators.
process.env['GAUNTLET_CONFIG_DIR'] = join(tempDir('auth-config'), 'config');

test('accounts with user passwords: --nats-password-file (agent) and user:password in the URL (coordinator) work; a wrong password in the URL is refused; never printed', { timeout: 90_000 }, async (t) => {
  const password = 'Pw-q7Zr2-distinctive-Kx9';
  const wrong = 'Wr0ng-pw-distinctive-Yt4';
  const passwordFile = join(tempDir('auth-pw'), 'password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  await proveMode(t, {
    config: (listen) => `listen: ${listen}\naccounts: {\n  LOAD: { jetstream: enabled, users: [ { user: loader, password: ${quote(password)} } ] }\n  OTHER: { jetstream: enabled, users: [ { user: other, password: ${quote('other-pw')} } ] }\n}\n`,
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
    config: (listen) => `listen: ${listen}\naccounts: {\n  LOAD: { jetstream: enabled, users: [ { user: loader, password: ${quote(password)} } ] }\n}\n`,
    url: (n) => `nats://${n.hostPort}`,
    agentArgs: ['--nats-user', 'loader', '--nats-password-env', 'AUTH_TEST_PW'],
    coordinatorArgs: ['--nats-user', 'loader'],
    env: { AUTH_TEST_PW: password, GAUNTLET_NATS_PASSWORD: password },
    wrong: { url: (n) => `nats://${n.hostPort}`, args: ['--nats-user', 'loader', '--nats-password-file', wrongFile] },
    secrets: [password, wrong],
  });
});

test('a token: --nats-token-file (agent) and nats://TOKEN@host (coordinator) work; a wrong --nats-token-env is refused; never printed', { timeout: 90_000 }, async (t) => {
  const token = 'Tok-distinctive-Vn5w-3Lp8';
  const wrong = 'Tok-wrong-distinctive-Qa1';
  const tokenFile = join(tempDir('auth-token'), 'token');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  await proveMode(t, {
    config: (listen) => `listen: ${listen}\nauthorization { token: ${quote(token)} }\n`,
    url: (n) => `nats://${token}@${n.hostPort}`,
    agentUrl: (n) => `nats://${n.hostPort}`,
    agentArgs: ['--nats-token-file', tokenFile],
    coordinatorArgs: [],
    wrong: { url: (n) => `nats://${n.hostPort}`, args: ['--nats-token-env', 'AUTH_TEST_TOKEN'], env: { AUTH_TEST_TOKEN: wrong } },
    secrets: [token, wrong],
  });
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
