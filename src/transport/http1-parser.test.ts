import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Http1ResponseParser, MAX_HEAD_BYTES } from './http1-parser.js';
import { parseHeaderLines } from './header-lines.js';

interface Outcome {
  done: boolean;
  error: string;
  status: number;
  bodyBytes: number;
  body: string | undefined;
  keepAlive: boolean;
  /** bytes the response used (the index after it in the whole input). */
  used: number;
  headers: Record<string, string> | undefined;
  /** the raw header lines (keepHeaders: 'raw') and whether one was a Set-Cookie. */
  head: string;
  setCookie: boolean;
}

/**
 * feed runs `wire` through a parser in pieces cut at `cuts`, copying each piece into one scratch
 * buffer that is scribbled over afterwards, as the connection's shared read buffer is.
 */
function feed(wire: Buffer, cuts: number[], opts: { head?: boolean; keepBody?: boolean; keepHeaders?: boolean | 'raw'; eof?: boolean } = {}): Outcome {
  const p = new Http1ResponseParser(opts.keepHeaders ?? false);
  p.begin(opts.head ?? false, opts.keepBody ?? true);
  const scratch = Buffer.alloc(wire.length + 16);
  const bounds = [0, ...cuts, wire.length];
  let used = -1;
  let error = '';
  for (let k = 0; k + 1 < bounds.length && used < 0 && error === ''; k++) {
    const s = bounds[k]!;
    const n = bounds[k + 1]! - s;
    wire.copy(scratch, 0, s, s + n);
    const r = p.execute(scratch, 0, n);
    scratch.fill(0xaa);
    if (r < 0) error = p.error;
    else if (p.done) used = s + r;
  }
  if (opts.eof && used < 0 && error === '' && p.endOfInput()) used = wire.length;
  return { done: p.done, error, status: p.status, bodyBytes: p.bodyBytes, body: p.body?.toString('latin1'), keepAlive: p.keepAlive, used, headers: p.headers, head: p.head, setCookie: p.setCookie };
}

/** everySplit checks `check` with the input whole, cut at every single point, and byte by byte. */
function everySplit(wire: string, opts: Parameters<typeof feed>[2], check: (o: Outcome, how: string) => void): void {
  const b = Buffer.from(wire, 'latin1');
  check(feed(b, [], opts), 'whole');
  for (let i = 1; i < b.length; i++) check(feed(b, [i], opts), `cut at ${i}`);
  check(
    feed(
      b,
      Array.from({ length: b.length - 1 }, (_, i) => i + 1),
      opts,
    ),
    'byte by byte',
  );
}

test('content-length body, split anywhere', () => {
  const wire = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello';
  everySplit(wire, {}, (o, how) => {
    assert.equal(o.error, '', how);
    assert.equal(o.status, 200, how);
    assert.equal(o.body, 'hello', how);
    assert.equal(o.bodyBytes, 5, how);
    assert.equal(o.used, wire.length, how);
    assert.equal(o.keepAlive, true, how);
  });
});

test('chunked body with extensions and trailers, split anywhere', () => {
  const wire = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\nA \r\n, world!!!\r\n0\r\nX-Trailer: yes\r\nX-More: 1\r\n\r\n';
  everySplit(wire, {}, (o, how) => {
    assert.equal(o.error, '', how);
    assert.equal(o.body, 'hello, world!!!', how);
    assert.equal(o.bodyBytes, 15, how);
    assert.equal(o.used, wire.length, how);
  });
});

test('interim 100-continue and 103 responses are skipped', () => {
  const wire = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok';
  everySplit(wire, { keepHeaders: true }, (o, how) => {
    assert.equal(o.status, 201, how);
    assert.equal(o.body, 'ok', how);
    assert.deepEqual(o.headers, { 'content-length': '2' }, how);
    assert.equal(o.used, wire.length, how);
  });
});

test('HTTP/1.0 without a length reads to the end of the connection', () => {
  const wire = 'HTTP/1.0 200 OK\r\nServer: old\r\n\r\nbody until close';
  everySplit(wire, { eof: true }, (o, how) => {
    assert.equal(o.error, '', how);
    assert.equal(o.body, 'body until close', how);
    assert.equal(o.keepAlive, false, how);
    assert.equal(o.used, wire.length, how);
  });
});

test('a cut-short response does not end at end of input', () => {
  const p = new Http1ResponseParser(false);
  p.begin(false, false);
  const b = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
  assert.equal(p.execute(b, 0, b.length), b.length);
  assert.equal(p.done, false);
  assert.equal(p.endOfInput(), false);
  assert.equal(p.started, true);
});

test('keep-alive rules: HTTP/1.0 keep-alive, Connection: close, mixed case', () => {
  assert.equal(feed(Buffer.from('HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nx'), []).keepAlive, true);
  assert.equal(feed(Buffer.from('HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx'), []).keepAlive, false);
  assert.equal(feed(Buffer.from('HTTP/1.1 200 OK\r\nCONNECTION: foo, Close\r\nContent-Length: 1\r\n\r\nx'), []).keepAlive, false);
  const o = feed(Buffer.from('HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, CHUNKED\r\nCONTENT-LENGTH: 99\r\n\r\n1\r\nx\r\n0\r\n\r\n'), []);
  assert.equal(o.body, 'x');
});

test('no body for 204, 304 and HEAD, even with a content-length', () => {
  for (const [wire, head] of [
    ['HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n', false],
    ['HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n', false],
    ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n', true],
  ] as const) {
    const o = feed(Buffer.from(wire), [], { head });
    assert.equal(o.done, true, wire);
    assert.equal(o.bodyBytes, 0);
    assert.equal(o.body, '');
    assert.equal(o.used, wire.length);
  }
});

test('status line without a reason phrase, and bytes after the response', () => {
  const b = Buffer.from('HTTP/1.1 404\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n');
  const o = feed(b, []);
  assert.equal(o.status, 404);
  assert.equal(o.used, 'HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n'.length);
});

test('headers are kept with lower-cased names and repeated ones joined', () => {
  const o = feed(Buffer.from('HTTP/1.1 200 OK\r\nX-A:  1 \r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nContent-Length: 0\r\n\r\n'), [], { keepHeaders: true });
  assert.deepEqual(o.headers, { 'x-a': '1', 'set-cookie': 'a=1, b=2', 'content-length': '0' });
});

test("raw headers ('raw'): one string of the header lines, parsed on demand into the same record, at every split", () => {
  const head = 'HTTP/1.1 200 OK\r\nX-A:  1 \r\nSet-Cookie: a=1\r\nX-Empty:\r\nset-cookie: b=2; Expires=Wed, 21 Oct 2015 07:28:00 GMT\r\nX-Tab:\tv\t\r\nContent-Length: 2\r\n\r\n';
  const parsed = feed(Buffer.from(`${head}ok`, 'latin1'), [], { keepHeaders: true }).headers;
  assert.deepEqual(parsed, { 'x-a': '1', 'set-cookie': 'a=1, b=2; Expires=Wed, 21 Oct 2015 07:28:00 GMT', 'x-empty': '', 'x-tab': 'v', 'content-length': '2' });
  everySplit(`${head}ok`, { keepHeaders: 'raw' }, (o, how) => {
    assert.equal(o.headers, undefined, how);
    assert.equal(o.head, head.slice(head.indexOf('\r\n') + 2, -2), how);
    assert.equal(o.setCookie, true, how);
    assert.deepEqual(parseHeaderLines(o.head), parsed, how);
    assert.equal(o.body, 'ok', how);
  });
  const plain = feed(Buffer.from('HTTP/1.1 100 Continue\r\nSet-Cookie: interim=1\r\n\r\nHTTP/1.1 204 No Content\r\nX-Cookie: set-cookie\r\n\r\n', 'latin1'), [], { keepHeaders: 'raw' });
  assert.equal(plain.status, 204);
  assert.equal(plain.head, 'X-Cookie: set-cookie\r\n', 'the final head only, not the interim one');
  assert.equal(plain.setCookie, false, "an interim head's Set-Cookie, or the words in a value, are not the final head's");
  assert.deepEqual(parseHeaderLines(''), {});
});

test('malformed input is a protocol error with a reason', () => {
  const cases = [
    'garbage\r\n\r\n',
    'HTTP/1.1 2x0 OK\r\n\r\n',
    'HTTP/2.0 200 OK\r\n\r\n',
    'HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxyz\r\n0\r\n\r\n',
    'HTTP/1.1 200 OK\nContent-Length: 0\n\n',
  ];
  for (const wire of cases) {
    for (const cuts of [[], [1], [wire.length - 2]]) {
      const o = feed(Buffer.from(wire, 'latin1'), cuts);
      assert.notEqual(o.error, '', `${JSON.stringify(wire)} cut ${cuts.join()}`);
      assert.equal(o.done, false);
    }
  }
});

test('a head longer than MAX_HEAD_BYTES is refused', () => {
  const big = `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(MAX_HEAD_BYTES)}\r\n\r\n`;
  const b = Buffer.from(big);
  assert.match(feed(b, []).error, /too large/);
  assert.match(feed(b, [100, 40_000]).error, /too large/);
});

test('a large body is counted without being kept', () => {
  const body = Buffer.alloc(300_000, 0x61);
  const wire = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
  const o = feed(wire, [17, 65_536, 131_072], { keepBody: false });
  assert.equal(o.bodyBytes, body.length);
  assert.equal(o.body, undefined);
  assert.equal(o.used, wire.length);
});
