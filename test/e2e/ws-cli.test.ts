import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { EXAMPLES, startExampleTarget, type ExampleTarget } from '../helpers/script-harness.js';
import { scriptDir } from '../fixtures/scripts/script-dir.js';

// The WebSocket example (examples/websocket.ts) through the built CLI against the examples' target
// (node examples/target.mjs): its summary says what WebSocket work was done (Loads' two lines, a
// WebSocket block, messages on the hits line), the JSON holds the ws_* metrics, thresholds read them.

let target: ExampleTarget;
before(async () => {
  target = await startExampleTarget();
});
after(() => target.close());

test('the websocket example: summary lines, ws_* metrics in the JSON equal to the server counts, thresholds on them', async () => {
  const d = scriptDir({});
  const out = d.file('ws.json');
  const sockets = target.stats.wsConnections;
  const messages = target.stats.wsMessages;
  const r = await runCli(['run', path.join(EXAMPLES, 'websocket.ts'), '--target', target.url, '-u', '4', '-i', '5', '--workers', '2', '-q', '--json', out, '--threshold', 'ws_sessions count>0', '--threshold', 'ws_connecting p(95)<10s']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(target.stats.wsConnections - sockets, 20, 'the server accepted 4 users × 5 iterations sockets');
  assert.equal(target.stats.wsMessages - messages, 60, 'and echoed 3 messages on each');
  assert.match(r.stdout, /; hits: 0; approximate average RPS: 0\.00; WebSocket messages: 60 sent, 60 received$/m);
  assert.match(r.stdout, /^Opened web sockets: 20$/m);
  assert.match(r.stdout, /^Bytes received via web sockets: [\d,]+ B/m);
  assert.match(r.stdout, /^WebSocket:\n {2}sessions {2}20 opened, 0 failed\n {2}connect {3}p50 \S+, p99 \S+; session duration p50 \S+, p99 \S+\n {2}messages {2}60 sent, 60 received\n {2}bytes {5}[\d,]+ B.* sent, [\d,]+ B.* received$/m);
  assert.match(r.stdout, /PASS +ws_sessions count>0/);
  assert.match(r.stdout, /PASS +ws_connecting p\(95\)<10s/);
  const j = JSON.parse(readFileSync(out, 'utf8')) as { metrics: { counters: Record<string, number> }; summary: Record<string, { count: number }> };
  const c = j.metrics.counters;
  assert.equal(c['ws_sessions'], 20);
  assert.equal(c['ws_msgs_sent'], 60);
  assert.equal(c['ws_msgs_received'], 60);
  assert.equal(c['ws_data_sent'], c['ws_data_received'], 'an echo sends back every byte');
  assert.equal(j.summary['ws_connecting']?.count, 20);
  assert.equal(j.summary['ws_session_duration']?.count, 20);
  // The saved result re-renders the same WebSocket lines.
  const again = await runCli(['report', out]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^Opened web sockets: 20$/m);
  assert.match(again.stdout, /^ {2}messages {2}60 sent, 60 received$/m);
});

test('a threshold on ws_sessions that is not met exits 99', async () => {
  const r = await runCli(['run', path.join(EXAMPLES, 'websocket.ts'), '--target', target.url, '-u', '2', '-i', '2', '--workers', '2', '-q', '--threshold', 'ws_sessions count>100']);
  assert.equal(r.code, 99, r.stderr);
  assert.match(r.stdout, /FAIL +ws_sessions count>100/);
  assert.match(r.stdout, /^Opened web sockets: 4$/m);
});
