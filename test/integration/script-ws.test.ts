import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { WebSocketServer } from 'ws';
import { drive, harness, load, specFor, writeScripts } from '../helpers/script-harness.js';

/** startEcho starts a real `ws` echo server on 127.0.0.1 that counts connections and messages. */
async function startEcho(): Promise<{ url: string; connections: number; messages: number; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const s = {
    url: `http://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    connections: 0,
    messages: 0,
    close: () => new Promise<void>((r) => { for (const c of wss.clients) c.terminate(); wss.close(() => r()); }),
  };
  wss.on('connection', (socket) => {
    s.connections++;
    socket.on('message', (data, isBinary) => {
      s.messages++;
      if (data.toString() === 'close-me') socket.close(4000, 'asked to');
      else socket.send(data, { binary: isBinary });
    });
  });
  return s;
}

test('WebSocket: send, receive and close; metrics match the server', async () => {
  const echo = await startEcho();
  try {
    const files = writeScripts({
      'ws.ts': `
import { TestCase } from 'gauntlet';
export class Echo extends TestCase {
  async run() {
    const ws = await this.ws('/');
    ws.send('hello');
    ws.send(Buffer.from([1, 2, 3]));
    ws.send({ n: this.user.iteration });
    const a = await ws.receive();
    const b = await ws.receive();
    const c = await ws.receiveJson<{ n: number }>();
    this.check('text', a === 'hello');
    this.check('binary', Buffer.isBuffer(b) && b.length === 3);
    this.check('json', c.n === this.user.iteration);
    if (this.user.iteration === 0) ws.close(); // later iterations leave it open: Gauntlet closes it
  }
}`,
    });
    const spec = specFor(await load(files['ws.ts']!), { target: echo.url });
    const m = await drive(await harness(spec), { users: 2, iterations: 3 });
    assert.equal(m.count('checks{result:fail}'), 0);
    assert.equal(m.count('checks{result:pass}'), 18);
    assert.equal(m.count('ws_sessions'), 6);
    assert.equal(echo.connections, 6);
    assert.equal(m.count('ws_msgs_sent'), 18);
    assert.equal(echo.messages, 18);
    assert.equal(m.count('ws_msgs_received'), 18);
    assert.equal(m.count('ws_data_received'), 6 * (5 + 3 + JSON.stringify({ n: 0 }).length));
    assert.equal(m.summary('ws_connecting')?.count, 6);
    assert.equal(m.summary('ws_session_duration')?.count, 6, 'sockets left open are closed at iteration end');
  } finally {
    await echo.close();
  }
});

test('WebSocket: a receive timeout and a server close fail the iteration with a clear message; a refused socket is counted', async () => {
  const echo = await startEcho();
  const url = echo.url;
  try {
    const files = writeScripts({
      'wsfail.ts': `
import { TestCase } from 'gauntlet';
export class Silent extends TestCase {
  async run() {
    const ws = await this.ws('/');
    await ws.receive(50);
  }
}
export class Closed extends TestCase {
  async run() {
    const ws = await this.ws('/');
    ws.send('close-me');
    await ws.receive(5000);
  }
}
export class Refused extends TestCase {
  async run() { await this.ws('ws://127.0.0.1:1/'); }
}`,
    });
    const loaded = await load(files['wsfail.ts']!);
    const h = await harness(specFor(loaded, { target: url }));
    const m = await drive(h, { users: 3, iterations: 1 });
    assert.equal(m.count('iteration_errors'), 3);
    const messages = h.scenario.errorSamples().map((s) => s.message).sort();
    assert.equal(messages.length, 3);
    assert.match(messages[0]!, /^Closed\.run: ws ws:\/\/127\.0\.0\.1:\d+\/: closed \(4000 asked to\)$/);
    assert.match(messages[1]!, /^Refused\.run: ws ws:\/\/127\.0\.0\.1:1\/: .*ECONNREFUSED/);
    assert.match(messages[2]!, /^Silent\.run: ws ws:\/\/127\.0\.0\.1:\d+\/: no message within 50ms$/);
    assert.equal(m.count('ws_sessions_failed{kind:refused}'), 1);
    assert.equal(m.count('ws_sessions'), 2);
  } finally {
    await echo.close();
  }
});
