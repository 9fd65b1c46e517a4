import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failureHint, LOCAL_HINTS, withFailureHints } from './failure-hints.js';

test('failureHint recognises TLS to a plain port, untrusted certificates, HTTP/2 to HTTP/1, DNS, refused, local limits and timeouts', () => {
  assert.match(failureHint('tls', 'ERR_SSL_WRONG_VERSION_NUMBER: wrong version number')!, /is this port plain HTTP\? use http:\/\//);
  assert.match(failureHint('tls', 'ERR_SSL_PACKET_LENGTH_TOO_LONG: packet length too long')!, /plain HTTP/);
  assert.match(failureHint('tls', 'self-signed certificate')!, /--insecure/);
  assert.match(failureHint('tls', 'DEPTH_ZERO_SELF_SIGNED_CERT')!, /--insecure/);
  assert.match(failureHint('protocol', 'ERR_HTTP2_ERROR: Protocol error')!, /does not speak HTTP\/2 \(h2c\).*drop --http2/);
  assert.equal(failureHint('protocol', 'invalid status line'), undefined, 'a parse error of unknown cause has no hint');
  assert.match(failureHint('dns', 'getaddrinfo ENOTFOUND no-such-host.invalid')!, /^the host name no-such-host\.invalid did not resolve/);
  assert.match(failureHint('dns', 'queryA ESERVFAIL')!, /^the host name did not resolve/);
  assert.match(failureHint('refused', 'connect ECONNREFUSED 127.0.0.1:9')!, /^nothing listens on 127\.0\.0\.1:9:/);
  assert.match(failureHint('refused', 'connect ECONNREFUSED ::1:8080')!, /^nothing listens on ::1:8080:/);
  assert.match(failureHint('refused', '(other messages)')!, /^nothing listens on the target's port/);
  assert.equal(failureHint('local', 'connect EMFILE 127.0.0.1:80 - Local (undefined:undefined)'), LOCAL_HINTS['EMFILE']);
  assert.equal(failureHint('local', 'something else'), LOCAL_HINTS['other']);
  assert.match(failureHint('timeout', 'timed out after 500 ms')!, /--timeout/);
  assert.equal(failureHint('reset', 'read ECONNRESET'), undefined);
  assert.equal(failureHint('status', 'expected status 2xx,3xx, got 404'), undefined);
});

test('withFailureHints adds hints where known, and points timeouts beside HTTP/2 failures at --http2', () => {
  const plain = withFailureHints([
    { kind: 'timeout', message: 'timed out after 2000 ms', count: 3 },
    { kind: 'status', message: 'unexpected status 500', count: 1 },
  ]);
  assert.match(plain[0]!.hint!, /raise --timeout/);
  assert.equal('hint' in plain[1]!, false, 'no hint key when there is no hint');
  const h2 = withFailureHints([
    { kind: 'timeout', message: 'timed out after 2000 ms', count: 3 },
    { kind: 'protocol', message: 'ERR_HTTP2_ERROR: Protocol error', count: 9 },
  ]);
  assert.match(h2[0]!.hint!, /drop --http2/);
});
