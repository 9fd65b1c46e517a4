import { formatDuration } from '../../core/duration.js';
import { formatBytes, formatCount } from '../../core/units.js';
import type { TrendSummary } from '../../metrics/histogram.js';
import { parseMetricKey } from '../../metrics/registry.js';
import type { RunResult } from '../../metrics/run-result.js';
import { countersWith } from '../../report/text-summary.js';

/** wsWorkDone says whether a run opened or tried to open any WebSocket. */
function wsWorkDone(result: RunResult): boolean {
  const c = result.metrics.counters;
  return (c['ws_sessions'] ?? 0) > 0 || (c['ws_sessions_failed'] ?? 0) > 0;
}

/**
 * wsHitsSuffix is what the `hits: N; approximate average RPS` line adds when WebSocket work was done
 * (`; WebSocket messages: 1,500 sent, 1,500 received`), so a WebSocket-only run does not read as if
 * nothing happened; '' otherwise.
 */
export function wsHitsSuffix(result: RunResult): string {
  if (!wsWorkDone(result)) return '';
  const c = result.metrics.counters;
  return `; WebSocket messages: ${formatCount(c['ws_msgs_sent'] ?? 0)} sent, ${formatCount(c['ws_msgs_received'] ?? 0)} received`;
}

const bytes = (n: number) => (n < 1024 ? `${formatCount(n)} B` : `${formatCount(n)} B (${formatBytes(n)})`);
const times = (t: TrendSummary | undefined) => (t === undefined || t.count === 0 ? 'n/a' : `p50 ${formatDuration(t.p50)}, p99 ${formatDuration(t.p99)}`);

/**
 * renderWsSummary renders a scripted run's WebSocket figures (a pure function of the result): Mozilla
 * Loads' two lines (`Opened web sockets: N`, `Bytes received via web sockets: B`), then a block with
 * sessions opened and failed (by kind), connect time and session duration, messages and bytes each
 * way, and the same per session `name`. No lines when the run did no WebSocket work.
 */
export function renderWsSummary(result: RunResult): string[] {
  if (!wsWorkDone(result)) return [];
  const c = result.metrics.counters;
  const s = result.summary;
  const lines: string[] = [];
  lines.push(`Opened web sockets: ${formatCount(c['ws_sessions'] ?? 0)}`);
  lines.push(`Bytes received via web sockets: ${bytes(c['ws_data_received'] ?? 0)}`);
  lines.push('');
  lines.push('WebSocket:');
  const kinds = countersWith(result, 'ws_sessions_failed', 'kind').filter(([, n]) => n > 0);
  const byKind = kinds.length > 0 ? ` (${kinds.map(([k, n]) => `${k} ${formatCount(n)}`).join(', ')})` : '';
  lines.push(`  sessions  ${formatCount(c['ws_sessions'] ?? 0)} opened, ${formatCount(c['ws_sessions_failed'] ?? 0)} failed${byKind}`);
  lines.push(`  connect   ${times(s['ws_connecting'])}; session duration ${times(s['ws_session_duration'])}`);
  lines.push(`  messages  ${formatCount(c['ws_msgs_sent'] ?? 0)} sent, ${formatCount(c['ws_msgs_received'] ?? 0)} received`);
  lines.push(`  bytes     ${bytes(c['ws_data_sent'] ?? 0)} sent, ${bytes(c['ws_data_received'] ?? 0)} received`);
  const names = [...new Set(Object.keys(c).filter((k) => /^ws_sessions(_failed)?\{name:/.test(k)).map((k) => parseMetricKey(k).tags['name']!))];
  if (names.length > 0) {
    lines.push('  by name:');
    for (const name of names) {
      const n = (metric: string) => c[`${metric}{name:${name}}`] ?? 0;
      lines.push(
        `    ${name.padEnd(22)} ${formatCount(n('ws_sessions'))} opened, ${formatCount(n('ws_sessions_failed'))} failed; ${formatCount(n('ws_msgs_sent'))} sent, ${formatCount(n('ws_msgs_received'))} received; connect ${times(s[`ws_connecting{name:${name}}`])}`,
      );
    }
  }
  return lines;
}
