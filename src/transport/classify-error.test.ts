import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errors as undiciErrors } from 'undici';
import { classifyError, errorDetail, errorText } from './classify-error.js';

function sysError(code: string, syscall = 'connect'): Error {
  return Object.assign(new Error(`${syscall} ${code} 127.0.0.1:1`), { code, errno: -1, syscall });
}

test('node socket errors', () => {
  assert.equal(classifyError(sysError('ECONNREFUSED')), 'refused');
  assert.equal(classifyError(sysError('EHOSTUNREACH')), 'refused');
  assert.equal(classifyError(sysError('ECONNRESET', 'read')), 'reset');
  assert.equal(classifyError(sysError('EPIPE', 'write')), 'reset');
  assert.equal(classifyError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })), 'reset');
  assert.equal(classifyError(new Error('socket hang up')), 'reset');
  assert.equal(classifyError(sysError('ETIMEDOUT')), 'timeout');
  assert.equal(classifyError(sysError('ENOTFOUND', 'getaddrinfo')), 'dns');
  assert.equal(classifyError(sysError('EAI_AGAIN', 'getaddrinfo')), 'dns');
});

test('TLS and certificate errors', () => {
  for (const code of ['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_TLS_HANDSHAKE_TIMEOUT']) {
    const expected = code === 'ERR_TLS_HANDSHAKE_TIMEOUT' ? 'tls' : 'tls';
    assert.equal(classifyError(Object.assign(new Error(code), { code })), expected, code);
  }
  assert.equal(classifyError(new Error('Client network socket disconnected before secure TLS connection was established')), 'tls');
});

test('undici errors', () => {
  assert.equal(classifyError(new undiciErrors.SocketError('other side closed')), 'reset');
  assert.equal(classifyError(new undiciErrors.HeadersTimeoutError()), 'timeout');
  assert.equal(classifyError(new undiciErrors.BodyTimeoutError()), 'timeout');
  assert.equal(classifyError(new undiciErrors.ConnectTimeoutError()), 'timeout');
  assert.equal(classifyError(new undiciErrors.InvalidArgumentError('invalid header')), 'protocol');
  assert.equal(classifyError(new undiciErrors.ResponseContentLengthMismatchError()), 'protocol');
  assert.equal(classifyError(new undiciErrors.RequestAbortedError()), 'aborted');
  assert.equal(classifyError(new undiciErrors.ClientDestroyedError()), 'aborted');
  assert.equal(classifyError(new undiciErrors.ClientClosedError()), 'aborted');
});

test('HTTP parser errors are protocol errors', () => {
  assert.equal(classifyError(Object.assign(new Error('Parse Error: Invalid status code'), { code: 'HPE_INVALID_STATUS' })), 'protocol');
  assert.equal(classifyError(Object.assign(new Error('x'), { code: 'HPE_INVALID_CHUNK_SIZE' })), 'protocol');
  assert.equal(classifyError(Object.assign(new Error('x'), { code: 'ERR_HTTP2_PROTOCOL_ERROR' })), 'protocol');
});

test('aborts', () => {
  assert.equal(classifyError(new DOMException('This operation was aborted', 'AbortError')), 'aborted');
  assert.equal(classifyError(Object.assign(new Error('The operation was aborted'), { code: 'ABORT_ERR', name: 'AbortError' })), 'aborted');
  assert.equal(classifyError(new DOMException('The operation timed out', 'TimeoutError')), 'timeout');
});

test('wrapped errors are judged by their cause', () => {
  assert.equal(classifyError(new TypeError('fetch failed', { cause: sysError('ECONNREFUSED') })), 'refused');
  assert.equal(classifyError(new TypeError('fetch failed', { cause: new Error('wrapper', { cause: sysError('ENOTFOUND') }) })), 'dns');
});

test("the generator's own limits are local, not the target's", () => {
  for (const code of ['EMFILE', 'ENFILE', 'EADDRNOTAVAIL', 'ENOBUFS']) assert.equal(classifyError(sysError(code)), 'local', code);
  assert.equal(classifyError(new TypeError('fetch failed', { cause: sysError('EMFILE') })), 'local');
});

test('unknown errors fall back to reset (system) or protocol', () => {
  assert.equal(classifyError(sysError('EWHATEVER')), 'reset');
  assert.equal(classifyError(new Error('something odd')), 'protocol');
  assert.equal(classifyError('a string'), 'protocol');
  assert.equal(classifyError(undefined), 'protocol');
  assert.equal(classifyError(null), 'protocol');
});

test('errorText prefers the code', () => {
  assert.equal(errorText(sysError('ECONNREFUSED')), 'ECONNREFUSED');
  assert.equal(errorText(new Error('plain')), 'plain');
  assert.equal(errorText('text'), 'text');
});

test('errorDetail keeps the message a failure summary shows: the code in front when the message lacks it, OpenSSL prefixes dropped', () => {
  assert.equal(errorDetail(sysError('ECONNREFUSED')), 'connect ECONNREFUSED 127.0.0.1:1');
  assert.equal(errorDetail(new TypeError('fetch failed', { cause: sysError('ECONNREFUSED') })), 'connect ECONNREFUSED 127.0.0.1:1');
  const ssl = (pointer: string) => Object.assign(new Error(`${pointer}:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n`), { code: 'ERR_SSL_WRONG_VERSION_NUMBER' });
  assert.equal(errorDetail(ssl('805C0357A77F0000')), 'ERR_SSL_WRONG_VERSION_NUMBER: wrong version number');
  assert.equal(errorDetail(ssl('40E7A1F3B27F0000')), errorDetail(ssl('805C0357A77F0000')), 'the same cause reads the same in every thread');
  assert.equal(errorDetail(Object.assign(new Error('Protocol error'), { code: 'ERR_HTTP2_ERROR' })), 'ERR_HTTP2_ERROR: Protocol error');
  assert.equal(errorDetail(Object.assign(new Error(''), { code: 'EPIPE' })), 'EPIPE');
  assert.equal(errorDetail(new Error('plain  text\nover lines')), 'plain text over lines');
  assert.equal(errorDetail('text'), 'text');
  assert.ok(errorDetail(new Error('x'.repeat(1000))).length <= 200);
});
