import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { prepareScriptRun, startScriptRun } from '../../src/api/run-script.js';
import { renderScriptSummary } from '../../src/scenarios/script/script-summary.js';
import { startExampleTarget, type ExampleTarget } from '../helpers/script-harness.js';
import { scriptDir } from '../fixtures/scripts/script-dir.js';

// WebSocket metrics of `gauntlet run` through the engine (two worker threads) against the real `ws`
// echo server of examples/target.mjs: the client's counts are exact and match the server's.

let target: ExampleTarget;
before(async () => {
  target = await startExampleTarget();
});
after(() => target.close());

test('ws_sessions, ws_msgs_sent and ws_msgs_received are exact across 2 workers and match the echo server', async () => {
  const d = scriptDir({
    'echo.ts': `import { TestCase } from 'gauntlet';
export class Echo extends TestCase {
  async run() {
    const ws = await this.ws('/ws');
    for (let i = 0; i < 3; i++) {
      const text = 'msg ' + this.user.id + '/' + this.user.iteration + '/' + i;
      ws.send(text);
      this.check('echoed', (await ws.receive(5000)) === text);
    }
    ws.close();
  }
}
// A socket opened in userStart lives across iterations and is closed when the user retires.
export class Long extends TestCase {
  private socket: Awaited<ReturnType<TestCase['ws']>> | undefined;
  override async userStart() { this.socket = await this.ws('/ws'); }
  async run() {
    this.socket!.send('ping-' + this.user.iteration);
    this.check('echoed', (await this.socket!.receive(5000)) === 'ping-' + this.user.iteration);
  }
}
`,
  });
  const connections = target.stats.wsConnections;
  const messages = target.stats.wsMessages;
  const handle = await startScriptRun(await prepareScriptRun({ file: d.file('echo.ts'), target: target.url, workers: 2, connections: 4, iterationsPerUser: 5, tests: ['Echo'] }));
  const result = await handle.done;
  const c = result.metrics.counters;
  assert.equal(c['ws_sessions'], 20, 'one socket per iteration: 4 users × 5 iterations');
  assert.equal(c['ws_msgs_sent'], 60);
  assert.equal(c['ws_msgs_received'], 60);
  assert.equal(c['ws_sessions_failed'] ?? 0, 0);
  assert.equal(c['checks{result:pass}'], 60);
  assert.equal(c['iteration_errors'] ?? 0, 0);
  const bytes = 60 * 'msg 0/0/0'.length;
  assert.ok(c['ws_data_received']! >= bytes, `ws_data_received ${c['ws_data_received']} ≥ ${bytes}`);
  assert.equal(result.summary['ws_session_duration']?.count, 20);
  assert.equal(target.stats.wsConnections - connections, 20, 'the server accepted as many sockets');
  assert.equal(target.stats.wsMessages - messages, 60, 'the server echoed as many messages');
  assert.match(renderScriptSummary(result), /\nOpened web sockets: 20\nBytes received via web sockets: [\d,]+ B/);
  assert.match(renderScriptSummary(result), /\n {2}messages {2}60 sent, 60 received\n/);

  const long = await (await startScriptRun(await prepareScriptRun({ file: d.file('echo.ts'), target: target.url, workers: 2, connections: 3, iterationsPerUser: 4, tests: ['Long'] }))).done;
  const l = long.metrics.counters;
  assert.equal(l['ws_sessions'], 3, 'one socket per user, opened in userStart');
  assert.equal(l['ws_msgs_sent'], 12);
  assert.equal(l['ws_msgs_received'], 12);
  assert.equal(l['checks{result:pass}'], 12);
  assert.equal(long.summary['ws_session_duration']?.count, 3, 'each user socket was closed (and measured) when its user retired');
});
