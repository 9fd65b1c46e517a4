import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GauntletError } from '../../core/errors.js';
import { NATS_PASSWORD_ENV, NATS_TOKEN_ENV, natsFlagsGiven, natsOptionsOf } from './nats-flags.js';

/** withEnv runs fn with some environment variables set (or unset), then puts them back. */
function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (v: Record<string, string | undefined>) => {
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) delete process.env[k];
      else process.env[k] = x;
    }
  };
  set(vars);
  try {
    return fn();
  } finally {
    set(saved);
  }
}

const URL = 'nats://127.0.0.1:4222';

test('natsOptionsOf maps the flags to NatsConnectOptions; -env flags read the variable, files are only named', () => {
  withEnv({ [NATS_PASSWORD_ENV]: undefined, [NATS_TOKEN_ENV]: undefined, PW_VAR: 'from-env' }, () => {
    assert.deepEqual(natsOptionsOf(URL, { natsUser: 'u', natsPasswordEnv: 'PW_VAR' }), { servers: URL, user: 'u', password: 'from-env' });
    assert.deepEqual(natsOptionsOf(URL, { natsUser: 'u', natsPasswordFile: '/p' }), { servers: URL, user: 'u', passwordFile: '/p' });
    assert.deepEqual(natsOptionsOf(URL, { natsCreds: '/c', natsTlsCa: '/ca' }), { servers: URL, credsFile: '/c', tls: { caFile: '/ca' } });
    assert.deepEqual(natsOptionsOf(URL, {}), { servers: URL });
  });
});

test('$GAUNTLET_NATS_PASSWORD serves a --nats-user without a password; $GAUNTLET_NATS_TOKEN serves only when nothing else is given', () => {
  withEnv({ [NATS_PASSWORD_ENV]: 'env-pw', [NATS_TOKEN_ENV]: 'env-tok' }, () => {
    assert.deepEqual(natsOptionsOf(URL, { natsUser: 'u' }), { servers: URL, user: 'u', password: 'env-pw' });
    assert.deepEqual(natsOptionsOf(URL, { natsUser: 'u', natsPasswordFile: '/p' }), { servers: URL, user: 'u', passwordFile: '/p' });
    assert.deepEqual(natsOptionsOf(URL, {}), { servers: URL, token: 'env-tok' });
    assert.deepEqual(natsOptionsOf(URL, { natsNkey: '/n' }), { servers: URL, nkeySeedFile: '/n' });
    assert.deepEqual(natsOptionsOf('nats://u:p@127.0.0.1:4222', {}), { servers: 'nats://u:p@127.0.0.1:4222' });
  });
});

test('natsOptionsOf: two sources of one secret, or an unset variable, are usage errors', () => {
  withEnv({ UNSET_VAR_FOR_TEST: undefined, SET_VAR: 'x' }, () => {
    const usage = (fn: () => unknown, re: RegExp) => assert.throws(fn, (e: unknown) => e instanceof GauntletError && e.exitCode === 2 && re.test(e.message));
    usage(() => natsOptionsOf(URL, { natsUser: 'u', natsPassword: 'a', natsPasswordFile: '/p' }), /--nats-password and --nats-password-file both give/);
    usage(() => natsOptionsOf(URL, { natsToken: 'a', natsTokenEnv: 'SET_VAR' }), /--nats-token and --nats-token-env both give/);
    usage(() => natsOptionsOf(URL, { natsTokenEnv: 'UNSET_VAR_FOR_TEST' }), /UNSET_VAR_FOR_TEST: that environment variable is not set/);
  });
  assert.deepEqual(natsFlagsGiven({ natsCreds: '/c', natsTlsCa: undefined }), ['--nats-creds']);
});
