import type { IntervalRow, RunResult } from '../../metrics/run-result.js';
import type { CountRange, ServerStats } from '../../durability/server-watch.js';

/** SOAK_MIN_MS: a run this long or longer is a soak; a shorter one still gets the figures, flagged `short`. */
export const SOAK_MIN_MS = 60_000;

/** SOAK_BAND_SE: the noise band is this many (autocorrelation-adjusted) standard errors of the slope, about 95 %. */
export const SOAK_BAND_SE = 2;

const HOUR_MS = 3_600_000;

/**
 * RssSlope is the server's RSS slope from a least-squares fit over every live watch sample (not end
 * minus start): per hour, and per 1,000 requests at the run's mean request rate, each with its noise
 * band (± SOAK_BAND_SE adjusted standard errors; null when the samples are too few or too correlated
 * to bound it). `verdict`: `growing` or `shrinking` when the slope is beyond the band, `flat`
 * ("no slope beyond noise") within it, `unknown` without a band.
 */
export interface RssSlope {
  readonly bytesPerHour: number;
  readonly bandBytesPerHour: number | null;
  readonly bytesPer1000Requests?: number;
  readonly bandBytesPer1000Requests?: number | null;
  readonly samples: number;
  /** effectiveSamples: the samples' worth once their autocorrelation is counted (see LinearFit). */
  readonly effectiveSamples: number;
  readonly verdict: 'growing' | 'shrinking' | 'flat' | 'unknown';
}

/** TenthsDrift compares the first tenth of a run's intervals with the last tenth. */
export interface TenthsDrift {
  readonly first: number;
  readonly last: number;
}

/**
 * SoakFigures are what a long durability run shows that a short one hides, in `sections.durability.soak`:
 * - `rss`: the RSS slope with its noise band (RssSlope);
 * - `fds`, `threads`: open file descriptors and threads of the server's tree, start, end and most
 *   (their series are in `serverStats.series`);
 * - `latencyP99Ms`: p99 latency of the first tenth of the run against the last tenth, from the
 *   interval data (each tenth's p99 is its intervals' p99s averaged, weighted by their requests: the
 *   intervals keep summaries, not histograms);
 * - `failurePercent`: unexpected results in % of the requests, first tenth against last tenth.
 * `short` flags a run under a minute (SOAK_MIN_MS): the figures are there but say little.
 */
export interface SoakFigures {
  readonly durationMs: number;
  readonly short: boolean;
  /** tenthIntervals is how many intervals each tenth holds. */
  readonly tenthIntervals: number;
  readonly rss?: RssSlope;
  readonly fds?: CountRange;
  readonly threads?: CountRange;
  readonly latencyP99Ms?: TenthsDrift;
  readonly failurePercent?: TenthsDrift;
}

/** rssSlope turns the watch's fit into bytes per hour and per 1,000 requests, with the noise band and the verdict. */
export function rssSlope(stats: ServerStats, requests: number, durationMs: number): RssSlope | undefined {
  const fit = stats.rssFit;
  if (fit === undefined) return undefined;
  const band = Number.isFinite(fit.adjustedStandardError) ? SOAK_BAND_SE * fit.adjustedStandardError : null;
  const verdict = band === null ? 'unknown' : Math.abs(fit.slope) <= band ? 'flat' : fit.slope > 0 ? 'growing' : 'shrinking';
  // Bytes per request = (bytes per ms) / (requests per ms).
  const perRequest = requests > 0 && durationMs > 0 ? durationMs / requests : undefined;
  return {
    bytesPerHour: fit.slope * HOUR_MS,
    bandBytesPerHour: band === null ? null : band * HOUR_MS,
    ...(perRequest !== undefined ? { bytesPer1000Requests: fit.slope * perRequest * 1000, bandBytesPer1000Requests: band === null ? null : band * perRequest * 1000 } : {}),
    samples: fit.samples,
    effectiveSamples: fit.effectiveSamples,
    verdict,
  };
}

/** tenths returns the first and last tenth of the intervals (a trailing interval under half the length, the drain, left out). */
function tenths(result: RunResult): { first: readonly IntervalRow[]; last: readonly IntervalRow[] } | undefined {
  let rows = result.intervals;
  const tail = rows[rows.length - 1];
  if (rows.length > 2 && tail !== undefined && tail.durationMs < result.intervalMs / 2) rows = rows.slice(0, -1);
  if (rows.length < 2) return undefined;
  const k = Math.max(1, Math.floor(rows.length / 10));
  return { first: rows.slice(0, k), last: rows.slice(rows.length - k) };
}

/** weightedP99 averages the intervals' p99 latency weighted by their requests; undefined without any. */
function weightedP99(rows: readonly IntervalRow[]): number | undefined {
  let n = 0;
  let sum = 0;
  for (const r of rows) {
    const t = r.trends['http_req_duration'];
    if (t === undefined || t.count === 0) continue;
    n += t.count;
    sum += t.p99 * t.count;
  }
  return n === 0 ? undefined : sum / n;
}

function failurePercent(rows: readonly IntervalRow[]): number {
  let requests = 0;
  let failed = 0;
  for (const r of rows) {
    requests += r.counters['http_reqs'] ?? 0;
    failed += r.counters['http_req_failed'] ?? 0;
  }
  return requests === 0 ? 0 : (100 * failed) / requests;
}

/**
 * soakFigures computes a durability run's soak figures from its result (intervals, requests,
 * duration) and the server's stats (the RSS fit, fds, threads); a pure function. Without a watched
 * server only the drifts are there.
 */
export function soakFigures(result: RunResult, stats: ServerStats | undefined): SoakFigures {
  const parts = tenths(result);
  const requests = result.metrics.counters['http_reqs'] ?? 0;
  const rss = stats !== undefined ? rssSlope(stats, requests, result.durationMs) : undefined;
  const p99First = parts !== undefined ? weightedP99(parts.first) : undefined;
  const p99Last = parts !== undefined ? weightedP99(parts.last) : undefined;
  return {
    durationMs: result.durationMs,
    // A planned minute counts: an open-model run ends at its last arrival, up to one gap before the planned end.
    short: result.durationMs < SOAK_MIN_MS * 0.99,
    tenthIntervals: parts?.first.length ?? 0,
    ...(rss !== undefined ? { rss } : {}),
    ...(stats?.fds !== undefined ? { fds: stats.fds } : {}),
    ...(stats?.threads !== undefined ? { threads: stats.threads } : {}),
    ...(p99First !== undefined && p99Last !== undefined ? { latencyP99Ms: { first: p99First, last: p99Last } } : {}),
    ...(parts !== undefined ? { failurePercent: { first: failurePercent(parts.first), last: failurePercent(parts.last) } } : {}),
  };
}
