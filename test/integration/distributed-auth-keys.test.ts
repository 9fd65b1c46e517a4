import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { haveOpensslOrSkip, keyText, makeJwtSetup, makeNkeyUser, makeTlsFiles, proveMode, quote, runGauntlet, tempDir } from '../helpers/nats-auth.js';

// NATS authentication by keys over a real nats-server: nkey users, decentralised JWT creds (operator,
// account and user JWTs signed with the client's nkeys, no nsc needed) and mutual TLS with
// certificates made by openssl. Each proves what distributed-auth.test.ts proves for passwords: an
// agent and a coordinator complete -n 200, wrong keys are refused clearly, no secret is printed.

// Signing keys live in a fresh config dir, inherited by the spawned agents and coordinators.
process.env['GAUNTLET_CONFIG_DIR'] = join(tempDir('auth-keys-config'), 'config');

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
  const nats = await proveMode(t, {
    config: (listen) => `listen: ${listen}\ntls {\n  cert_file: ${quote(tls.serverCert)}\n  key_file: ${quote(tls.serverKey)}\n  ca_file: ${quote(tls.ca)}\n  verify: true\n  timeout: 5\n}\n`,
    url: (n) => `nats://${n.hostPort}`,
    agentArgs: good,
    coordinatorArgs: good,
    wrong: { url: (n) => `nats://${n.hostPort}`, args: ['--nats-tls-ca', tls.otherCa, '--nats-tls-cert', tls.clientCert, '--nats-tls-key', tls.clientKey] },
    refused: /^error: TLS to NATS at nats:\/\/127\.0\.0\.1:\d+ failed: .+$/,
    secrets: [keyText(tls.clientKey), keyText(tls.serverKey)],
  });
  if (!nats) return;
  // verify: true holds: the right CA but no client certificate is not enough.
  const noCert = await runGauntlet(t, ['bench', 'http://127.0.0.1:9/', '-n', '10', '--agents', '1', '--nats', `nats://${nats.hostPort}`, '--nats-tls-ca', tls.ca, '-q']);
  assert.equal(noCert.code, 1, noCert.stderr);
  assert.match(noCert.stderr, /^error: .*NATS at nats:\/\/127\.0\.0\.1:\d+.*\nhint: .+\n$/, 'one error line and one hint');
  assert.doesNotMatch(noCert.stderr, /found 0 of 1 idle agents/, 'it never got as far as looking for agents');
});

