import { formatDuration } from '../../core/duration.js';
import { formatBytes, formatCount } from '../../core/units.js';
import type { CountRange } from '../../durability/server-watch.js';
import type { RssSlope, SoakFigures, TenthsDrift } from './soak.js';

/** SOAK_VERDICT says an RSS slope's verdict in words. */
export const SOAK_VERDICT: Readonly<Record<RssSlope['verdict'], string>> = {
  growing: 'growing beyond noise',
  shrinking: 'shrinking beyond noise',
  flat: 'no slope beyond noise',
  unknown: 'too few samples to bound the noise',
};

/** signedBytes renders a slope: `+1.20 MiB`, `-512 B` (as render-durability's, which imports this file). */
const signedBytes = (n: number): string => `${n < 0 ? '-' : '+'}${formatBytes(Math.abs(Math.round(n)))}`;

const band = (b: number | null | undefined): string => (b === null || b === undefined ? '± ?' : `± ${formatBytes(b)}`);

/** rssSlopeFigures: `+101.23 MiB/h ± 1.20 MiB/h, +102.40 KiB per 1,000 requests ± 1.21 KiB`. */
export function rssSlopeFigures(r: RssSlope): string {
  const perRequests = r.bytesPer1000Requests !== undefined ? `, ${signedBytes(r.bytesPer1000Requests)} per 1,000 requests ${band(r.bandBytesPer1000Requests)}` : '';
  return `${signedBytes(r.bytesPerHour)}/h ${band(r.bandBytesPerHour)}/h${perRequests}`;
}

/** rssSlopeText is the figures and the verdict: `… ± 1.21 KiB: growing beyond noise`. */
export const rssSlopeText = (r: RssSlope): string => `${rssSlopeFigures(r)}: ${SOAK_VERDICT[r.verdict]}`;

/** countRangeText: `7 → 7 (most 9)`. */
export const countRangeText = (c: CountRange): string => `${formatCount(c.start)} → ${formatCount(c.end)} (most ${formatCount(c.peak)})`;

/** latencyDriftText: `1.20ms → 1.35ms (×1.13)`. */
export function latencyDriftText(d: TenthsDrift): string {
  return `${formatDuration(d.first)} → ${formatDuration(d.last)}${d.first > 0 ? ` (×${(d.last / d.first).toFixed(2)})` : ''}`;
}

/** failureDriftText: `0.00% → 1.20%`. */
export const failureDriftText = (d: TenthsDrift): string => `${d.first.toFixed(2)}% → ${d.last.toFixed(2)}%`;

/**
 * renderSoak renders the soak figures as report lines: the RSS slope with its noise band (from a
 * least-squares fit over every watch sample), open fds and threads, and the first tenth of the run
 * against the last for p99 latency and failures. A pure function of the figures.
 */
export function renderSoak(s: SoakFigures): string[] {
  const lines = [`Soak (${formatDuration(s.durationMs)}${s.short ? '; short: under a minute' : ''}; drift compares the first tenth of the run with the last):`];
  if (s.rss !== undefined) lines.push(`  RSS slope: ${rssSlopeText(s.rss)} (least squares over ${formatCount(s.rss.samples)} samples)`);
  if (s.fds !== undefined || s.threads !== undefined) {
    lines.push(`  ${[s.fds !== undefined ? `open fds ${countRangeText(s.fds)}` : '', s.threads !== undefined ? `threads ${countRangeText(s.threads)}` : ''].filter((x) => x !== '').join('; ')}`);
  }
  if (s.latencyP99Ms !== undefined) lines.push(`  latency p99: ${latencyDriftText(s.latencyP99Ms)}`);
  if (s.failurePercent !== undefined) lines.push(`  failures: ${failureDriftText(s.failurePercent)}`);
  return lines;
}
