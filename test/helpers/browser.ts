import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { skipOrFail } from './skip-or-fail.js';


/** CHROMIUM is the browser the page tests drive: Debian's chromium (.ci/apt-packages), or GAUNTLET_CHROMIUM. */
export const CHROMIUM = process.env['GAUNTLET_CHROMIUM'] ?? '/usr/bin/chromium';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** ARTIFACTS holds the screenshots the browser tests take (build/test-artifacts/). */
export const ARTIFACTS = join(ROOT, 'build', 'test-artifacts');

/** launchOrSkip starts headless Chromium (closed after the test); missing, it fails in CI and skips elsewhere. */
export async function launchOrSkip(t: TestContext): Promise<Browser | undefined> {
  if (!existsSync(CHROMIUM)) {
    const message = `${CHROMIUM} is not installed; install with: apt-get install -y chromium (or set GAUNTLET_CHROMIUM)`;
    skipOrFail(t, message);
    return undefined;
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, timeout: 60_000 });
  t.after(() => browser.close());
  return browser;
}

/** WatchedPage is a page with what it said and asked for: console errors, page errors, every request's URL. */
export interface WatchedPage {
  readonly page: Page;
  readonly errors: string[];
  readonly requests: string[];
}

/** watchedPage opens a page that records its console errors, uncaught errors and requests. */
export async function watchedPage(browser: Browser, width = 1280, height = 900): Promise<WatchedPage> {
  const page = await browser.newPage({ viewport: { width, height } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  page.on('dialog', (d) => void d.accept());
  return { page, errors, requests };
}

/**
 * chartsPainted says, per chart on the page, how many of its plot canvas's pixels are painted (not
 * transparent and not white) and how many points it holds: a chart that drew has both above zero.
 */
export function chartsPainted(page: Page): Promise<{ id: string; painted: number; points: number }[]> {
  return page.$$eval('figure.chart', (figs) =>
    figs.map((f) => {
      const canvas = f.querySelector('canvas');
      let painted = 0;
      if (canvas !== null) {
        const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 0; i < data.length; i += 4) if (data[i + 3]! > 0 && (data[i]! < 240 || data[i + 1]! < 240 || data[i + 2]! < 240)) painted++;
      }
      return { id: `${f.closest('[data-run]')?.getAttribute('data-run') ?? ''}/${f.getAttribute('data-chart') ?? ''}`, painted, points: Number(f.getAttribute('data-points') ?? 0) };
    }),
  );
}

/** tileRaw reads a headline figure's number (`data-raw`) and its text, in a run (the first by default). */
export async function tile(page: Page, id: string, run = '[data-run]'): Promise<{ raw: number; text: string }> {
  const el = page.locator(`${run} [data-tile="${id}"]`).first();
  return { raw: Number(await el.getAttribute('data-raw')), text: (await el.locator('.v').textContent()) ?? '' };
}

/**
 * screenshot keeps a full-page screenshot as a test artifact (build/test-artifacts/NAME.png); with
 * GAUNTLET_UPDATE_DOCS=1 the top of the page (one 1280×900 screen) also becomes the README's picture,
 * docs/NAME.png.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  // The screen first: a full page of a live run takes long enough for the run to move on.
  if (process.env['GAUNTLET_UPDATE_DOCS'] === '1') await page.screenshot({ path: join(ROOT, 'docs', `${name}.png`) });
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** until polls `check` every 100 ms until it returns true, failing with `what` after `ms`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
