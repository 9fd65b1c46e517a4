import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServerStats } from '../../durability/server-watch.js';
import { linearFit } from '../../metrics/linear-fit.js';
import { RESULT_FORMAT, RESULT_VERSION, type IntervalRow, type RunResult } from '../../metrics/run-result.js';
import type { TrendSummary } from '../../metrics/histogram.js';
import { renderSoak } from './render-soak.js';
import { soakFigures, SOAK_MIN_MS } from './soak.js';

const trend = (count: number, p99: number): TrendSummary => ({ count, min: 1, max: p99, mean: 1, stddev: 0, p50: 1, p75: 1, p90: 1, p95: 1, p99, p999: p99 });

/** run is a fixed 100 s run at 50 requests a second: p99 2 ms in its first tenth and 5 ms in its last, 4 % failures in its last tenth, then a 200 ms drain. */
function run(seconds = 100): RunResult {
  const rows: IntervalRow[] = [];
  for (let i = 0; i < seconds; i++) {
    const last = i >= seconds - seconds / 10;
    // Within the first tenth the p99 is 1 ms on 10 requests and 2.25 ms on 40: weighted, 2 ms.
    const p99 = i < seconds / 10 ? (i % 2 === 0 ? 1 : 2.25) : last ? 5 : 3;
    const count = i < seconds / 10 ? (i % 2 === 0 ? 10 : 40) : 50;
    rows.push({ index: i, startMs: i * 1000, durationMs: 1000, counters: { http_reqs: count, http_req_failed: last ? 2 : 0 }, trends: { http_req_duration: trend(count, p99) } });
  }
  rows.push({ index: seconds, startMs: seconds * 1000, durationMs: 200, counters: { http_reqs: 50, http_req_failed: 50 }, trends: { http_req_duration: trend(50, 9999) } });
  const requests = rows.reduce((s, r) => s + r.counters['http_reqs']!, 0);
  return {
    format: RESULT_FORMAT,
    version: RESULT_VERSION,
    label: 'durability',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: seconds * 1000 + 200,
    stopReason: 'completed',
    model: 'open',
    workers: 1,
    intervalMs: 1000,
    metrics: { counters: { http_reqs: requests }, trends: {} },
    summary: {},
    intervals: rows,
    errors: [],
  };
}

/** stats are a server's: RSS sampled every 200 ms along `rss(tMs)`. */
function stats(durationMs: number, rss: (tMs: number) => number): ServerStats {
  const t: number[] = [];
  const y: number[] = [];
  for (let ms = 0; ms <= durationMs; ms += 200) {
    t.push(ms);
    y.push(rss(ms));
  }
  return {
    name: 'x',
    samples: t.length,
    rssStartBytes: y[0]!,
    rssEndBytes: y[y.length - 1]!,
    peakRssBytes: Math.max(...y),
    rssGrowthBytes: y[y.length - 1]! - y[0]!,
    cpuSeconds: 1,
    processesStart: 1,
    processesEnd: 1,
    restarts: 0,
    aliveAtEnd: true,
    fds: { start: 7, end: 9, peak: 12 },
    threads: { start: 3, end: 3, peak: 4 },
    rssFit: linearFit(t, y)!,
    series: [],
  };
}

describe('soakFigures', () => {
  it('turns the fit into bytes per hour and per 1,000 requests, beyond the noise band', () => {
    const r = run();
    // 1,000 bytes per ms under a 2 MB sawtooth: 3.6 GB per hour.
    const s = soakFigures(r, stats(r.durationMs, (ms) => 50e6 + 1000 * ms + 2e6 * (((ms / 200) % 30) / 30)));
    const rss = s.rss!;
    assert.ok(Math.abs(rss.bytesPerHour / 3.6e9 - 1) < 0.01, `bytes per hour ${rss.bytesPerHour}`);
    // 4,800 requests in 100.2 s: 20.875 ms a request, so 20.875 MB per 1,000 requests.
    assert.equal(r.metrics.counters['http_reqs'], 4800);
    const msPerRequest = r.durationMs / 4800;
    assert.ok(Math.abs(rss.bytesPer1000Requests! / (1000 * msPerRequest * 1000) - 1) < 0.01, `per 1,000 requests ${rss.bytesPer1000Requests}`);
    assert.equal(rss.verdict, 'growing');
    assert.ok(rss.bandBytesPerHour! > 0 && rss.bandBytesPerHour! < rss.bytesPerHour / 10);
    assert.equal(s.short, false);
    assert.deepEqual(s.fds, { start: 7, end: 9, peak: 12 });
    assert.deepEqual(s.threads, { start: 3, end: 3, peak: 4 });
  });

  it('says "no slope beyond noise" for a flat sawtooth', () => {
    const r = run();
    const s = soakFigures(r, stats(r.durationMs, (ms) => 50e6 + 4e6 * (((ms / 200) % 60) / 60)));
    assert.equal(s.rss!.verdict, 'flat');
    assert.ok(Math.abs(s.rss!.bytesPerHour) <= s.rss!.bandBytesPerHour!);
    assert.match(renderSoak(s).join('\n'), /RSS slope: [+-][\d.]+ [KMG]?i?B\/h ± [\d.]+ [KMG]?i?B\/h, [+-][\d.]+ [KMG]?i?B per 1,000 requests ± [\d.]+ [KMG]?i?B: no slope beyond noise/);
  });

  it('compares the first tenth with the last: p99 weighted by requests, failure percent, the drain left out', () => {
    const s = soakFigures(run(), undefined);
    assert.equal(s.tenthIntervals, 10);
    assert.deepEqual(s.latencyP99Ms, { first: 2, last: 5 });
    assert.deepEqual(s.failurePercent, { first: 0, last: 4 });
    assert.equal(s.rss, undefined);
    assert.deepEqual(renderSoak(s), [
      'Soak (1m40s; drift compares the first tenth of the run with the last):',
      '  latency p99: 2.00ms → 5.00ms (×2.50)',
      '  failures: 0.00% → 4.00%',
    ]);
  });

  it('counts a planned minute that ended with its last arrival (59.7 s) as a soak', () => {
    const r = { ...run(60), durationMs: 59_700 };
    assert.equal(soakFigures(r, stats(r.durationMs, () => 50e6)).short, false);
  });

  it('flags a run under a minute as short', () => {
    const r = run(30);
    assert.ok(r.durationMs < SOAK_MIN_MS);
    const s = soakFigures(r, stats(r.durationMs, () => 50e6));
    assert.equal(s.short, true);
    assert.equal(s.tenthIntervals, 3);
    assert.equal(s.rss!.verdict, 'flat');
    assert.equal(s.rss!.bytesPerHour, 0);
    assert.match(renderSoak(s)[0]!, /^Soak \(30\.20s; short: under a minute;/);
  });
});
