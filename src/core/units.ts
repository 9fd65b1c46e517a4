import { usageError } from './errors.js';

/** MAX_USERS is the most concurrent users (connections) one run may ask for; more would exhaust memory before the first request. */
export const MAX_USERS = 1_000_000;

/** parsePositiveInt reads a whole number >= min (and <= max) for the flag `what`, or throws a usage error. */
export function parsePositiveInt(text: string | number, what: string, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const n = typeof text === 'number' ? text : /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < min) {
    throw usageError(`${what} must be a whole number >= ${min}, got '${text}'`, `for example ${what} ${Math.max(min, 10)}`);
  }
  if (n > max) throw usageError(`${what} must be at most ${max}, got '${text}'`, `for example ${what} ${Math.max(min, 10)}`);
  return n;
}

/** parsePositiveNumber reads a number > 0 (a rate, say) for `what`, or throws a usage error. */
export function parsePositiveNumber(text: string | number, what: string): number {
  const n = typeof text === 'number' ? text : /^\s*\d+(\.\d+)?\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(n) || n <= 0) throw usageError(`${what} must be a number > 0, got '${text}'`, `for example ${what} 100`);
  return n;
}

/** formatBytes renders a byte count (or rate) with binary units: `512 B`, `1.50 MiB`; whole bytes below 1 KiB. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${Math.round(v)} B` : `${v.toFixed(2)} ${units[u]}`;
}

/**
 * formatCount renders a number rounded to an integer with thousands separators (`1,234,567`), the
 * text toLocaleString('en-US') gives, without its cost: its first call loads ICU's number formatting,
 * ~20 ms of CPU on the thread that prints the live line or the summary.
 */
export function formatCount(n: number): string {
  const r = Math.round(n);
  // Infinities, NaN and exponent notation (≥ 1e21) are left to ICU.
  if (!Number.isFinite(r) || Math.abs(r) >= 1e21) return r.toLocaleString('en-US');
  const sign = r < 0 || Object.is(r, -0) ? '-' : '';
  return sign + String(Math.abs(r)).replace(/\B(?=(\d{3})+$)/g, ',');
}
