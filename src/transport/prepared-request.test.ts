import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GauntletError } from '../core/errors.js';
import { DEFAULT_TIMEOUT_MS, prepareRequest, USER_AGENT } from './prepared-request.js';

test('defaults: GET, timeout, host and user-agent', () => {
  const r = prepareRequest({ url: 'http://example.test:8080/a/b?x=1#frag' });
  assert.equal(r.method, 'GET');
  assert.equal(r.timeoutMs, DEFAULT_TIMEOUT_MS);
  assert.equal(r.keepBody, false);
  assert.equal(r.body, undefined);
  assert.deepEqual(r.headers, { host: 'example.test:8080', 'user-agent': USER_AGENT });
  assert.equal(r.wire.toString('latin1'), `GET /a/b?x=1 HTTP/1.1\r\nhost: example.test:8080\r\nuser-agent: ${USER_AGENT}\r\n\r\n`);
});

test('a body gets its content-length and follows the head on the wire', () => {
  const r = prepareRequest({ url: new URL('http://127.0.0.1/p'), method: 'post', headers: { 'Content-Type': 'application/json' }, body: '{"é":1}', timeoutMs: 500, keepBody: true });
  assert.equal(r.method, 'POST');
  assert.equal(r.headers['content-type'], 'application/json');
  assert.equal(r.headers['content-length'], String(Buffer.byteLength('{"é":1}')));
  const wire = r.wire.toString('utf8');
  assert.ok(wire.startsWith('POST /p HTTP/1.1\r\n'));
  assert.ok(wire.endsWith('\r\n\r\n{"é":1}'));
  assert.equal(r.timeoutMs, 500);
  assert.equal(r.keepBody, true);
});

test('POST without a body says content-length 0; caller headers win', () => {
  assert.equal(prepareRequest({ url: 'http://h/', method: 'POST' }).headers['content-length'], '0');
  const r = prepareRequest({ url: 'http://h/', headers: { Host: 'other', 'User-Agent': 'me' } });
  assert.deepEqual(r.headers, { host: 'other', 'user-agent': 'me' });
});

test('bad input is a GauntletError', () => {
  assert.throws(() => prepareRequest({ url: 'not a url' }), GauntletError);
  assert.throws(() => prepareRequest({ url: 'ftp://h/' }), GauntletError);
  assert.throws(() => prepareRequest({ url: 'http://h/', method: 'GE T' }), GauntletError);
  assert.throws(() => prepareRequest({ url: 'http://h/', headers: { 'x-a': 'a\r\nInjected: 1' } }), GauntletError);
  assert.throws(() => prepareRequest({ url: 'http://h/', headers: { 'bad name': 'x' } }), GauntletError);
  assert.throws(() => prepareRequest({ url: 'http://h/', timeoutMs: 0 }), GauntletError);
});
