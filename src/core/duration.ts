import { usageError } from './errors.js';

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

/**
 * parseDuration reads a duration such as `30s`, `100ms`, `1m30s`, `2h` or a bare number of seconds
 * and returns milliseconds. Anything else (`forever`, `-1s`, `10x`) is a usage error naming `what`.
 */
export function parseDuration(text: string | number, what = 'duration'): number {
  if (typeof text === 'number') {
    if (!Number.isFinite(text) || text < 0) throw usageError(`${what} must be a non-negative number of seconds, got ${text}`, 'write it like 500ms, 30s, 1m30s or 2h');
    return inRange(text * 1000, text, what);
  }
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return inRange(Number(s) * 1000, text, what);
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
