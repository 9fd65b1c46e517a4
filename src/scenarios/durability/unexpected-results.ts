import { formatDuration } from '../../core/duration.js';
import type { OutcomeKind } from '../../core/failure-kinds.js';
import type { FailureCause } from '../../durability/failure-causes.js';
import type { ServerLogLine } from '../../durability/servers/server-adapter.js';

/**
 * UNEXPECTED_LIST_CAP bounds the unexpected results a run keeps one by one (per worker, and after
 * the merge): past it they are only counted (`UnexpectedList.dropped`), so memory stays bounded
 * however long a server keeps failing.
 */
export const UNEXPECTED_LIST_CAP = 10_000;

/** LOG_WINDOW_MS: a result's server log lines are those that arrived from this long before its send to this long after its outcome… */
export const LOG_WINDOW_MS = 1000;
/** …at most this many, the nearest in time. */
export const LOG_LINES_PER_RESULT = 4;
/** TEXT_LIST_LENGTH is how many unexpected results the text report lists (the JSON has them all). */
export const TEXT_LIST_LENGTH = 20;

/**
 * UnexpectedResult is one request that did not end as its behaviour expected: `index` is its place
 * in its worker's sequence of requests (0 = the first it sent; with one worker, the run's), `tMs`
 * when its outcome came and `sentMs` when it was sent (ms from the run's start), its behaviour's
 * label, the outcome kind and its cause, the status (0 without a response) and how long it took.
 * `log` indexes the server's log lines around that moment in `UnexpectedList.log`.
 */
export interface UnexpectedResult {
  readonly index: number;
  readonly worker: number;
  readonly tMs: number;
  readonly sentMs: number;
  readonly behaviour: string;
  readonly kind: Exclude<OutcomeKind, 'ok'>;
  readonly cause: FailureCause;
  readonly status: number;
  readonly ms: number;
  readonly log?: readonly number[];
}

/** UnexpectedLogLine is one line of the server's log, `tMs` from the run's start (negative: before it). */
export interface UnexpectedLogLine {
  readonly tMs: number;
  readonly text: string;
}

/**
 * UnexpectedList is every unexpected result of a run in time order, up to UNEXPECTED_LIST_CAP
 * (`dropped` counts the rest), with the server's log lines near them (each line once, in `log`).
 * `collected` is false when the requests ran on agents, which do not send the list.
 */
export interface UnexpectedList {
  readonly collected: boolean;
  readonly cap: number;
  readonly dropped: number;
  readonly items: readonly UnexpectedResult[];
  readonly log: readonly UnexpectedLogLine[];
}

/** UnexpectedPost is what a worker posts (ScenarioContext.post) at its end: its list, capped. */
export interface UnexpectedPost {
  readonly kind: 'durability-unexpected';
  readonly items: readonly UnexpectedResult[];
}

/** isUnexpectedPost tells a worker's durability post from other data. */
export function isUnexpectedPost(d: unknown): d is UnexpectedPost {
  return typeof d === 'object' && d !== null && (d as { kind?: unknown }).kind === 'durability-unexpected' && Array.isArray((d as { items?: unknown }).items);
}

/**
 * buildUnexpectedList merges the workers' lists in time order, keeps the first `cap`, counts the
 * rest against `total` (the run's unexpected count), and gives each kept result the server's log
 * lines from LOG_WINDOW_MS before its send to LOG_WINDOW_MS after its outcome (the
 * LOG_LINES_PER_RESULT nearest; lines while it was in flight first). `lines` carry
 * `atMs` on the main thread's clock and `t0` is the run's start on it.
 */
export function buildUnexpectedList(posts: readonly (readonly UnexpectedResult[])[], total: number, lines: readonly ServerLogLine[] = [], t0 = 0, cap = UNEXPECTED_LIST_CAP): UnexpectedList {
  const all = posts.flat().sort((a, b) => a.tMs - b.tMs || a.worker - b.worker || a.index - b.index);
  const kept = all.slice(0, cap);
  const sorted = lines.map((l) => ({ tMs: l.atMs - t0, text: l.text })).sort((a, b) => a.tMs - b.tMs);
  const used = new Map<number, number>();
  const log: UnexpectedLogLine[] = [];
  const items = kept.map((r) => {
    const near = nearestLines(sorted, r.sentMs, r.tMs);
    if (near.length === 0) return r;
    const ids = near.map((i) => {
      let id = used.get(i);
      if (id === undefined) {
        id = log.length;
        used.set(i, id);
        log.push(sorted[i]!);
      }
      return id;
    });
    return { ...r, log: ids };
  });
  // Lines in time order, ids renumbered to match.
  const order = log.map((_, i) => i).sort((a, b) => log[a]!.tMs - log[b]!.tMs || a - b);
  const renumber = new Map(order.map((old, i) => [old, i]));
  return {
    collected: true,
    cap,
    dropped: Math.max(0, total - kept.length),
    items: items.map((r) => (r.log === undefined ? r : { ...r, log: r.log.map((i) => renumber.get(i)!) })),
    log: order.map((i) => log[i]!),
  };
}

/**
 * nearestLines returns the indexes (ascending) of the lines nearest the request, within the window:
 * a line between its send and its outcome is at distance 0, others at their distance from that span.
 */
function nearestLines(sorted: readonly UnexpectedLogLine[], sentMs: number, tMs: number): number[] {
  const from = Math.min(sentMs, tMs) - LOG_WINDOW_MS;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.tMs < from) lo = mid + 1;
    else hi = mid;
  }
  const near: { i: number; d: number }[] = [];
  for (let i = lo; i < sorted.length && sorted[i]!.tMs <= tMs + LOG_WINDOW_MS; i++) {
    const t = sorted[i]!.tMs;
    near.push({ i, d: Math.max(0, sentMs - t, t - tMs) });
  }
  return near
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .slice(0, LOG_LINES_PER_RESULT)
    .map((x) => x.i)
    .sort((a, b) => a - b);
}

/** notCollected is the list of a run whose requests went out from agents (they do not send it). */
export function notCollected(total: number): UnexpectedList {
  return { collected: false, cap: UNEXPECTED_LIST_CAP, dropped: total, items: [], log: [] };
}

/**
 * renderUnexpectedList lists the first TEXT_LIST_LENGTH unexpected results, one line each (`#index
 * at time: behaviour → kind (cause), status`), with the server's log lines near it indented below.
 */
export function renderUnexpectedList(list: UnexpectedList, total: number, limit = TEXT_LIST_LENGTH): string {
  if (total === 0) return '';
  if (!list.collected) return 'Unexpected results: not listed (the requests went out from agents; see the counts above).\n';
  const shown = list.items.slice(0, limit);
  const lines = [`Unexpected results (the first ${shown.length} of ${total}; the JSON has ${list.items.length === total ? 'them all' : `the first ${list.items.length}, and counts the other ${list.dropped}`}):`];
  const printed = new Set<number>();
  for (const r of shown) {
    const who = r.worker > 0 ? ` (worker ${r.worker})` : '';
    lines.push(`  #${r.index}${who} at ${formatDuration(r.tMs)}: ${r.behaviour} → ${r.kind}${r.cause !== r.kind ? ` (${r.cause})` : ''}, status ${r.status === 0 ? '-' : r.status}, after ${formatDuration(r.ms)}`);
    for (const id of r.log ?? []) {
      if (printed.has(id)) continue; // each log line once, under the first result near it
      printed.add(id);
      const l = list.log[id]!;
      lines.push(`      server log ${l.tMs < 0 ? '-' : '+'}${formatDuration(Math.abs(l.tMs))}: ${l.text}`);
    }
  }
  if (total > shown.length) lines.push(`  … ${total - shown.length} more`);
  return lines.join('\n') + '\n';
}
