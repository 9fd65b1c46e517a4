import { usageError, type GauntletError } from './errors.js';

const UNITS: Record<string, number> = { us: 0.001, µs: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * MAX_DURATION_MS is the longest duration Gauntlet accepts (596h, about 24.8 days): the longest timer
 * Node.js keeps (2^31 - 1 ms); a longer one would fire at once instead.
 */
export const MAX_DURATION_MS = 2_147_483_647;

function inRange(ms: number, text: string | number, what: string): number {
  if (ms > MAX_DURATION_MS) throw usageError(`${what} '${text}' is too long: at most 596h (24.8 days)`, 'write a shorter duration, like 30s, 10m or 24h');
  return ms;
}

/** LONG_DURATIONS name the durations that are seconds or more (a run, a ramp, a stage), whose hint offers seconds only. */
const LONG_DURATIONS = /duration|ramp|stage|limit/i;

/** noUnit is the usage error for a bare number: it names the flag and offers the units the user likely meant. */
function noUnit(text: string | number, what: string): GauntletError {
  const n = String(text).trim();
  const guess = LONG_DURATIONS.test(what) ? `${n}s` : `${n}ms or ${n}s`;
  return usageError(`${what} ${n} has no unit`, `did you mean ${guess}?`);
}

/**
 * parseDuration reads a duration such as `30s`, `100ms`, `1m30s` or `2h` and returns milliseconds.
 * A number without a unit (`100`, or a number from a config or the library) is a usage error with a
 * hint (`did you mean 100ms or 100s?`), since guessing seconds made `--think 100` a 100 s pause; only
 * `0` needs no unit. Anything else (`forever`, `-1s`, `10x`) is a usage error naming `what`.
 */
export function parseDuration(text: string | number, what = 'duration'): number {
  if (typeof text === 'number') {
    if (!Number.isFinite(text) || text < 0) throw usageError(`${what} must be a duration like 30s, got ${text}`, 'write it like 500ms, 30s, 1m30s or 2h');
    if (text === 0) return 0;
    throw noUnit(text, what);
  }
  const s = text.trim();
  if (/^0+(\.0+)?$/.test(s)) return 0;
  if (/^\d+(\.\d+)?$/.test(s)) throw noUnit(s, what);
  const re = /(\d+(?:\.\d+)?)(us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    matched = re.lastIndex;
  }
  if (s.length === 0 || matched !== s.length) {
    throw usageError(`${what} '${text}' is not a duration`, `write it like 500ms, 30s, 1m30s or 2h`);
  }
  return inRange(total, text, what);
}

/** formatDuration renders milliseconds for humans: `850ms`, `12.3s`, `4m05s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 1) return `${(ms * 1000).toFixed(0)}µs`;
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${m}m${String(s).padStart(2, '0')}s`;
}
