import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { WebSocketServer } from 'ws';
import { prepareScriptRun, startScriptRun } from '../../src/api/run-script.js';
import { renderScriptSummary } from '../../src/scenarios/script/script-summary.js';
import { scriptDir } from '../fixtures/scripts/script-dir.js';

// WebSocket metrics of `gauntlet run` through the engine (two worker threads) against a real `ws`
// server on 127.0.0.1 that counts sessions, messages and payload bytes each way: the client's
// ws_* counters equal the server's, per `name` too; a socket that cannot open is a failed session by
// kind; thresholds read the ws_* metrics like any other.

interface CountingWs {
  url: string;
  sessions: number;
  received: number;
  sent: number;
  bytesReceived: number;
  bytesSent: number;
  close(): Promise<void>;
}

/** startCountingWs starts a `ws` server that answers every message with `reply:` + the message. */
async function startCountingWs(): Promise<CountingWs> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const s: CountingWs = {
    url: `http://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    sessions: 0,
    received: 0,
    sent: 0,
    bytesReceived: 0,
    bytesSent: 0,
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  };
  wss.on('connection', (socket) => {
    s.sessions++;
    socket.on('message', (data: Buffer) => {
      s.received++;
      s.bytesReceived += data.length;
      const reply = Buffer.concat([Buffer.from('reply:'), data]);
      s.sent++;
      s.bytesSent += reply.length;
      socket.send(reply, { binary: false });
    });
  });
  return s;
}

/** closedPort is a 127.0.0.1 port that was just listening and is now closed (connections are refused). */
async function closedPort(): Promise<number> {
  const srv: Server = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

let server: CountingWs;
let refusedPort: number;
before(async () => {
  server = await startCountingWs();
  refusedPort = await closedPort();
});
after(() => server.close());

const script = (port: number) => `import { TestCase } from 'gauntlet';
export class Chat extends TestCase {
  async run() {
    const ws = await this.ws('/', { name: 'chat' });
    for (let i = 0; i < 3; i++) {
      const text = 'm' + this.user.id + '-' + this.user.iteration + '-' + i + 'x'.repeat(i * 10);
      ws.send(text);
      this.check('echoed', (await ws.receive(5000)) === 'reply:' + text);
    }
    ws.close();
  }
}
export class Plain extends TestCase {
  async run() {
    const ws = await this.ws('/');
    ws.send(Buffer.from([1, 2, 3, 4]));
    await ws.receive(5000);
  }
}
export class Refused extends TestCase {
  async run() { await this.ws('ws://127.0.0.1:${port}/', { name: 'gone' }); }
}
`;

test('ws_* counters equal what the server counted, in total and per name', async () => {
  const d = scriptDir({ 'ws.ts': script(refusedPort) });
  const start = { ...server };
  const handle = await startScriptRun(
    await prepareScriptRun({ file: d.file('ws.ts'), target: server.url, workers: 2, connections: 4, iterationsPerUser: 5, tests: ['Chat', 'Plain'], thresholds: ['ws_sessions count>0', 'ws_connecting p(95)<10s', 'ws_sessions_failed count==0'] }),
  );
  const result = await handle.done;
  const c = result.metrics.counters;
  const sessions = server.sessions - start.sessions;
  assert.ok(sessions > 0);
  assert.equal(c['ws_sessions'], sessions, 'sessions opened = connections the server accepted');
  assert.equal(c['ws_sessions'], c['iterations'], 'one socket per iteration');
  assert.equal(c['ws_sessions_failed'] ?? 0, 0);
  assert.equal(c['ws_msgs_sent'], server.received - start.received, 'messages sent = messages the server received');
  assert.equal(c['ws_msgs_received'], server.sent - start.sent, 'messages received = messages the server sent');
  assert.equal(c['ws_data_sent'], server.bytesReceived - start.bytesReceived, 'bytes sent = payload bytes the server received');
  assert.equal(c['ws_data_received'], server.bytesSent - start.bytesSent, 'bytes received = payload bytes the server sent');
  assert.equal(result.summary['ws_connecting']?.count, sessions);
  assert.equal(result.summary['ws_session_duration']?.count, sessions);

  const chat = c['iterations{test:Chat}']!;
  assert.ok(chat > 0 && chat < sessions, 'both tests ran');
  assert.equal(c['ws_sessions{name:chat}'], chat, 'a named session counts under its name too');
  assert.equal(c['ws_msgs_sent{name:chat}'], 3 * chat);
  assert.equal(c['ws_msgs_received{name:chat}'], 3 * chat);
  assert.equal(c['ws_data_received{name:chat}']! - c['ws_data_sent{name:chat}']!, 3 * chat * 'reply:'.length);
  assert.equal(result.summary['ws_connecting{name:chat}']?.count, chat);
  assert.equal(result.summary['ws_session_duration{name:chat}']?.count, chat);

  assert.deepEqual(
    result.thresholds?.map((t) => [t.metric, t.ok]),
    [
      ['ws_sessions', true],
      ['ws_connecting', true],
      ['ws_sessions_failed', true],
    ],
  );
  assert.notEqual(result.stopReason, 'threshold');

  const text = renderScriptSummary(result);
  const n = (v: number) => v.toLocaleString('en-US');
  assert.match(text, new RegExp(`hits: 0; approximate average RPS: [\\d.]+; WebSocket messages: ${n(c['ws_msgs_sent']!)} sent, ${n(c['ws_msgs_received']!)} received\\n`));
  assert.match(text, new RegExp(`\\nOpened web sockets: ${n(sessions)}\\n`));
  assert.match(text, new RegExp(`\\nBytes received via web sockets: ${n(c['ws_data_received']!)} B`));
  assert.match(text, new RegExp(`\\n  sessions  ${n(sessions)} opened, 0 failed\\n`));
  assert.match(text, /\n {2}connect {3}p50 \S+, p99 \S+; session duration p50 \S+, p99 \S+\n/);
  assert.match(text, new RegExp(`\\n  messages  ${n(c['ws_msgs_sent']!)} sent, ${n(c['ws_msgs_received']!)} received\\n`));
  assert.match(text, new RegExp(`\\n    chat +${n(chat)} opened, 0 failed; ${n(3 * chat)} sent, ${n(3 * chat)} received; connect p50 `));
  assert.doesNotMatch(text, /Custom metrics/, 'ws trends are built in, not custom');
});

test('a refused socket is a failed session by kind and by name; thresholds on ws_sessions fail when none opened', async () => {
  const d = scriptDir({ 'ws.ts': script(refusedPort) });
  const sessionsBefore = server.sessions;
  const handle = await startScriptRun(
    await prepareScriptRun({ file: d.file('ws.ts'), target: server.url, workers: 2, connections: 2, iterationsPerUser: 3, tests: ['Refused'], thresholds: ['ws_sessions count>0', 'ws_sessions_failed count<1'] }),
  );
  const result = await handle.done;
  const c = result.metrics.counters;
  assert.equal(server.sessions, sessionsBefore, 'nothing reached the counting server');
  assert.equal(c['ws_sessions'] ?? 0, 0);
  assert.equal(c['ws_sessions_failed'], 6);
  assert.equal(c['ws_sessions_failed{kind:refused}'], 6);
  assert.equal(c['ws_sessions_failed{name:gone}'], 6);
  assert.equal(c['iteration_errors'], 6);
  assert.deepEqual(
    result.thresholds?.map((t) => [t.metric, t.ok, t.actual]),
    [
      ['ws_sessions', false, 0],
      ['ws_sessions_failed', false, 6],
    ],
  );
  const text = renderScriptSummary(result);
  assert.match(text, /\nOpened web sockets: 0\n/);
  assert.match(text, /\n {2}sessions {2}0 opened, 6 failed \(refused 6\)\n/);
  assert.match(text, /\n {4}gone +0 opened, 6 failed; 0 sent, 0 received; connect n\/a/);
});
