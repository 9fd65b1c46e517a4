/**
 * page-open measures the HTML report of a long run in a real browser (part of `npm run bench`): a
 * 1-hour open-model run at 1 s intervals (3,600 points on every time chart) is rendered with
 * renderHtmlReport and opened from file:// in headless Chromium (/usr/bin/chromium, or
 * GAUNTLET_CHROMIUM) BENCH_PAGE_REPS times (3) after one warm-up; the figure is the median time from
 * navigation until the page's script has drawn every chart (`body[data-ready]`). Goal: under 2 s.
 * Skipped, with a note, when Chromium is missing or BENCH_SKIP_PAGE=1.
 */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { createHistogram, encodeHistogram, summarizeHistogram } from '../src/metrics/histogram.js';
import { RESULT_FORMAT, RESULT_VERSION, type IntervalRow, type RunResult } from '../src/metrics/run-result.js';
import { renderHtmlReport } from '../src/report/html-report.js';

/** PAGE_GOAL_MS: a 1-hour report opens (every chart drawn) within this. */
export const PAGE_GOAL_MS = 2000;

/** PageOpenRecord is the measurement: the page's size and how long it took to open, each time. */
export interface PageOpenRecord {
  readonly intervals: number;
  readonly bytes: number;
  readonly openMs: readonly number[];
  readonly medianMs: number;
  readonly goalMs: number;
  readonly notes: string[];
}

/** hourResult builds a 1-hour open-model result at 1 s intervals: 200 requests a second, a slow minute every ten. */
export function hourResult(intervals = 3600): RunResult {
  const total = createHistogram();
  const service = createHistogram();
  const rows: IntervalRow[] = [];
  for (let i = 0; i < intervals; i++) {
    const h = createHistogram();
    const slow = Math.floor(i / 60) % 10 === 9;
    for (let k = 0; k < 200; k++) {
      const us = Math.round((slow ? 20_000 : 2_000) * (1 + ((k * 7919 + i * 104729) % 1000) / 250));
      h.recordValue(us);
      service.recordValue(Math.round(us * 0.8));
    }
    total.add(h);
    const failed = slow ? 3 : 0;
    rows.push({
      index: i,
      startMs: i * 1000,
      durationMs: 1000,
      counters: { http_reqs: 200, http_req_failed: failed, iterations: 200, 'http_req_failed{kind:timeout}': failed },
      trends: { http_req_duration: summarizeHistogram(h, 1000), http_req_service_time: summarizeHistogram(h, 1250) },
      gauges: { vus: { value: slow ? 5 : 1, max: slow ? 6 : 2 }, iterations_queued: { value: 0, max: slow ? 3 : 0 } },
    });
  }
  const failed = rows.reduce((s, r) => s + r.counters['http_req_failed']!, 0);
  return {
    format: RESULT_FORMAT,
    version: RESULT_VERSION,
    label: 'GET http://127.0.0.1:8080/ (1 hour at 200/s)',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: intervals * 1000,
    stopReason: 'completed',
    model: 'open',
    workers: 2,
    intervalMs: 1000,
    rate: { intended: 200, achieved: 200 },
    metrics: {
      counters: { http_reqs: intervals * 200, http_req_failed: failed, iterations: intervals * 200, 'http_reqs{status:200}': intervals * 200 - failed, 'http_req_failed{kind:timeout}': failed },
      trends: { http_req_duration: encodeHistogram(total, 1000), http_req_service_time: encodeHistogram(service, 1000) },
    },
    summary: { http_req_duration: summarizeHistogram(total, 1000), http_req_service_time: summarizeHistogram(service, 1000) },
    intervals: rows,
    errors: [],
  };
}

/** measurePageOpen renders the 1-hour report and times its opening in Chromium (undefined when skipped). */
export async function measurePageOpen(log: (s: string) => void): Promise<PageOpenRecord | undefined> {
  const executablePath = process.env['GAUNTLET_CHROMIUM'] ?? '/usr/bin/chromium';
  if (process.env['BENCH_SKIP_PAGE'] === '1' || !existsSync(executablePath)) return undefined;
  const reps = Math.max(1, Math.round(Number(process.env['BENCH_PAGE_REPS']) || 3));
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-bench-page-'));
  const file = join(dir, 'hour.html');
  writeFileSync(file, renderHtmlReport(hourResult()));
  const notes: string[] = [];
  const browser = await chromium.launch({ executablePath, headless: true, timeout: 60_000 });
  try {
    const openMs: number[] = [];
    for (let i = 0; i <= reps; i++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.on('pageerror', (e) => notes.push(`page error: ${e.message}`));
      const t0 = performance.now();
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
      const ms = performance.now() - t0;
      await page.close();
      if (i > 0) openMs.push(ms); // the first open warms the browser up
      log(`1-hour report: open ${i === 0 ? '(warm-up)' : `${i}/${reps}`} in ${ms.toFixed(0)} ms`);
    }
    const sorted = [...openMs].sort((a, b) => a - b);
    const medianMs = sorted[Math.floor(sorted.length / 2)]!;
    if (medianMs >= PAGE_GOAL_MS) notes.push(`the 1-hour report opened in ${medianMs.toFixed(0)} ms, over the ${PAGE_GOAL_MS} ms goal`);
    return { intervals: 3600, bytes: statSync(file).size, openMs, medianMs, goalMs: PAGE_GOAL_MS, notes };
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
