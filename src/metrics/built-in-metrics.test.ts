import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isBuiltInMetric, isBuiltInTrend } from './built-in-metrics.js';

test('isBuiltInTrend: built-in trends with or without tags; custom trends are not', () => {
  for (const k of ['http_req_duration', 'http_req_duration{name:upload}', 'iteration_duration{test:Echo}', 'ws_connecting', 'ws_session_duration{name:chat}']) assert.ok(isBuiltInTrend(k), k);
  for (const k of ['ws_echo_ms', 'db_time_s', 'http_reqs', 'ws_sessions']) assert.ok(!isBuiltInTrend(k), k);
});

test('isBuiltInMetric knows the WebSocket metrics', () => {
  for (const n of ['ws_sessions', 'ws_sessions_failed', 'ws_connecting', 'ws_session_duration', 'ws_msgs_sent', 'ws_msgs_received', 'ws_data_sent', 'ws_data_received']) assert.ok(isBuiltInMetric(n), n);
  assert.ok(!isBuiltInMetric('ws_failed'));
});
