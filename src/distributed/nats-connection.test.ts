import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { GauntletError } from '../core/errors.js';
import { describeNatsError, natsConnectionOptions, redactUrl } from './nats-connection.js';

test('redactUrl hides passwords and tokens in NATS URLs and leaves the rest alone', () => {
  assert.equal(redactUrl('nats://u:s3cret@127.0.0.1:4222'), 'nats://u:***@127.0.0.1:4222');
  assert.equal(redactUrl('nats://tok3n@127.0.0.1:4222'), 'nats://***@127.0.0.1:4222');
  assert.equal(redactUrl('tls://u:p%40ss@host:4222/'), 'tls://u:***@host:4222/');
  assert.equal(redactUrl('u:pw@host:4222'), 'u:***@host:4222');
  assert.equal(redactUrl('nats://a:1@h1:4222,nats://b:2@h2:4222'), 'nats://a:***@h1:4222,nats://b:***@h2:4222');
  assert.equal(redactUrl('nats://127.0.0.1:4222'), 'nats://127.0.0.1:4222');
  assert.equal(redactUrl('cannot connect to NATS at nats://u:pw@h:1: x'), 'cannot connect to NATS at nats://u:***@h:1: x');
});

test('natsConnectionOptions takes user:password and a token out of the URL (the client drops them) into an authenticator', () => {
  const up = natsConnectionOptions('nats://loader:p%40ss@127.0.0.1:4222');
  assert.equal(up.connection.servers, 'nats://127.0.0.1:4222');
  assert.deepEqual((up.connection.authenticator as (n?: string) => unknown)(), { user: 'loader', pass: 'p@ss' });
  assert.equal(up.url, 'nats://loader:***@127.0.0.1:4222');
  const tok = natsConnectionOptions('nats://t0k@127.0.0.1:4222');
  assert.deepEqual((tok.connection.authenticator as (n?: string) => unknown)(), { auth_token: 't0k' });
  assert.equal(natsConnectionOptions('nats://127.0.0.1:4222').connection.authenticator, undefined);
});

test('natsConnectionOptions: two ways of authenticating, a password without a user or a certificate without its key are usage errors', () => {
  const usage = (fn: () => unknown, re: RegExp) => assert.throws(fn, (e: unknown) => e instanceof GauntletError && e.exitCode === 2 && re.test(e.message) && e.hint !== undefined);
  usage(() => natsConnectionOptions({ servers: 'nats://u:p@h:1', token: 't' }), /a token and user:password in the URL/);
  usage(() => natsConnectionOptions({ servers: 'nats://h:1', user: 'u', password: 'p', credsFile: '/x' }), /a creds file and user and password/);
  usage(() => natsConnectionOptions({ servers: 'nats://h:1', password: 'p' }), /needs a user/);
  usage(() => natsConnectionOptions({ servers: 'nats://h:1', user: 'u' }), /has no password/);
  usage(() => natsConnectionOptions({ servers: 'nats://h:1', token: 't', tokenFile: '/x' }), /token given twice/);
  usage(() => natsConnectionOptions({ servers: 'nats://h:1', tls: { certFile: '/x' } }), /needs its key/);
});

test('natsConnectionOptions: a missing or unreadable file is a usage error naming the file, never its content', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-nats-'));
  const missing = join(dir, 'missing.creds');
  assert.throws(() => natsConnectionOptions({ servers: 'nats://h:1', credsFile: missing }), (e: unknown) => e instanceof GauntletError && e.exitCode === 2 && e.message.includes(missing) && /ENOENT/.test(e.message));
  // A directory is unreadable as a file whatever the user's rights.
  assert.throws(() => natsConnectionOptions({ servers: 'nats://h:1', tls: { caFile: dir } }), (e: unknown) => e instanceof GauntletError && e.message.includes(dir) && /EISDIR/.test(e.message));
  const pw = join(dir, 'password');
  writeFileSync(pw, 'file-secret-Zq9\n');
  const r = natsConnectionOptions({ servers: 'nats://h:1', user: 'u', passwordFile: pw });
  assert.deepEqual((r.connection.authenticator as (n?: string) => unknown)(), { user: 'u', pass: 'file-secret-Zq9' });
  // Read again at each (re)connect: a rotated password is used; a vanished file keeps the last one.
  writeFileSync(pw, 'rotated-Zq9\n');
  assert.deepEqual((r.connection.authenticator as (n?: string) => unknown)(), { user: 'u', pass: 'rotated-Zq9' });
  rmSync(pw);
  assert.deepEqual((r.connection.authenticator as (n?: string) => unknown)(), { user: 'u', pass: 'rotated-Zq9' });
});

test('describeNatsError: Authorization Violation is "refused the credentials" (or "requires credentials"), with no secret in any line', () => {
  const withPw = natsConnectionOptions('nats://u:Secret-Pw-77@127.0.0.1:4222');
  const violation = Object.assign(new Error('Authorization Violation'), { name: 'AuthorizationError' });
  const d = describeNatsError(violation, withPw);
  assert.equal(d.message, 'NATS at nats://u:***@127.0.0.1:4222 refused the credentials');
  assert.ok(d.auth);
  assert.equal(describeNatsError(violation, natsConnectionOptions('nats://127.0.0.1:4222')).message, 'NATS at nats://127.0.0.1:4222 requires credentials');
  // A client message that somehow carried the password is scrubbed.
  const echoed = describeNatsError(new Error('oops Secret-Pw-77 at nats://u:Secret-Pw-77@h:1'), withPw);
  assert.ok(!`${echoed.message} ${echoed.hint}`.includes('Secret-Pw-77'), echoed.message);
});
