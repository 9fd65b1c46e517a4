import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { GauntletError } from '../core/errors.js';
import { loadSigningKey, parseTrustedKey, signPayload, verifyEnvelope } from './plan-signing.js';

test('loadSigningKey creates a private key pair on first use (dir 0700, file 0600) and reads the same one after', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'gauntlet-key-')), 'gauntlet');
  const a = loadSigningKey(dir);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.equal(statSync(join(dir, 'signing-key.pem')).mode & 0o777, 0o600);
  assert.equal(loadSigningKey(dir).publicKey, a.publicKey);
  assert.equal(parseTrustedKey(a.publicKey), a.publicKey);
});

test('a key file readable by others is refused with a hint', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'gauntlet-key-')), 'gauntlet');
  loadSigningKey(dir);
  chmodSync(join(dir, 'signing-key.pem'), 0o644);
  assert.throws(() => loadSigningKey(dir), (e: unknown) => e instanceof GauntletError && /readable or writable by others/.test(e.message) && /chmod 600/.test(e.hint ?? ''));
});

test('verifyEnvelope takes only an unchanged payload signed by a trusted key', () => {
  const key = loadSigningKey(join(mkdtempSync(join(tmpdir(), 'gauntlet-key-')), 'g'));
  const other = loadSigningKey(join(mkdtempSync(join(tmpdir(), 'gauntlet-key-')), 'g'));
  const env = signPayload('{"type":"stop"}', key);
  assert.equal(verifyEnvelope(env, new Set([key.publicKey])).kind, 'ok');
  assert.deepEqual(verifyEnvelope(env, new Set([other.publicKey])), { kind: 'refused', reason: `signed by an untrusted key ${key.publicKey}` });
  assert.deepEqual(verifyEnvelope({ ...env, payload: '{"type":"abort"}' }, new Set([key.publicKey])), { kind: 'refused', reason: 'bad signature' });
  assert.deepEqual(verifyEnvelope({ type: 'stop' }, new Set([key.publicKey])), { kind: 'refused', reason: 'unsigned message' });
});
