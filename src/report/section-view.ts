import { formatDuration } from '../core/duration.js';
import { formatBytes, formatCount } from '../core/units.js';
import type { PageTable, SectionView } from './page-model.js';

/** words turns a camelCase key into words (`rssGrowthBytes` → `rss growth bytes`). */
export const words = (key: string): string => key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/_/g, ' ').toLowerCase();

/**
 * figureText renders one value of a section for people, by its key's suffix: `…Bytes` in B/KiB/MiB,
 * `…Ms` as a duration, other numbers grouped, booleans as yes/no, short lists joined, longer ones
 * counted (a section's long arrays are tables or charts, never a line that scrolls the page sideways).
 */
export function figureText(key: string, v: unknown): string {
  if (typeof v === 'number') {
    if (/bytes$/i.test(key)) return formatBytes(v);
    if (/ms$/i.test(key)) return formatDuration(v);
    if (/percent$/i.test(key)) return `${v.toFixed(2)}%`;
    return Math.abs(v) >= 1000 || Number.isInteger(v) ? formatCount(v) : v.toPrecision(4);
  }
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.length <= 5 && v.every((x) => typeof x !== 'object') ? v.join(', ') : `(${v.length} entries)`;
  if (typeof v === 'object' && v !== null) {
    return Object.entries(v)
      .map(([k, x]) => `${words(k)} ${figureText(k, x)}`)
      .join(', ');
  }
  return String(v);
}

/** recordsTable shows a list of records as a table, a column per key (values as figureText). */
export function recordsTable(id: string, title: string, list: readonly object[]): PageTable {
  const cols = [...new Set(list.flatMap((x) => Object.keys(x)))];
  return { id, title, head: cols.map(words), rows: list.map((x) => cols.map((c) => figureText(c, (x as Record<string, unknown>)[c] ?? ''))) };
}

/**
 * genericSectionView shows a section the page has no view for: its plain fields in one table (nested
 * objects one level deep as `a · b`), and each list of records as a table of its own.
 */
export function genericSectionView(name: string, data: unknown): SectionView {
  const title = words(name).replace(/^./, (ch) => ch.toUpperCase());
  const fields: string[][] = [];
  const tables: PageTable[] = [];
  const record = Array.isArray(data) ? { [name]: data } : typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : { value: data };
  for (const [k, v] of Object.entries(record)) {
    if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'object' && x !== null)) tables.push(recordsTable(`${name}-${k}`, words(k), v as object[]));
    else if (typeof v === 'object' && v !== null && !Array.isArray(v)) for (const [k2, v2] of Object.entries(v)) fields.push([`${words(k)} · ${words(k2)}`, figureText(k2, v2)]);
    else fields.push([words(k), figureText(k, v)]);
  }
  return { id: `section-${name}`, title, tables: [...(fields.length > 0 ? [{ id: `${name}-fields`, title: '', head: [], rows: fields }] : []), ...tables], charts: [] };
}
