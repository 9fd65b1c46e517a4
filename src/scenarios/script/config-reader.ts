import { isMap, isScalar, isSeq, Parser, type CST, type LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';
import { GauntletError } from '../../core/errors.js';
import { parseDuration } from '../../core/duration.js';

/** DEFAULT_HINT closes a config error that has no more precise advice. */
const DEFAULT_HINT = "see the config keys in the README ('gauntlet run config.yaml')";

/** Field reads one key's value node; `where` names it for messages (`tests[0].rate`). */
export type Field = (node: Node, where: string) => void;

/**
 * ConfigReader validates a parsed YAML document by hand, one key at a time, and turns any mistake
 * into ONE GAUNTLET_CONFIG_INVALID error: `file:line:col: message` pointing at the offending key or
 * value, with a hint (the valid keys, a did-you-mean). A hand-written check keeps messages precise
 * and the dependency list short.
 */
export class ConfigReader {
  readonly display: string;
  private readonly lines: LineCounter;

  constructor(display: string, lines: LineCounter) {
    this.display = display;
    this.lines = lines;
  }

  /** fail throws the error at a node (or at the start of the file); every error carries a hint. */
  fail(node: Node | Pair | null | undefined, message: string, hint: string = DEFAULT_HINT): never {
    const offset = node === null || node === undefined ? 0 : 'range' in node && node.range ? node.range[0] : isPairNode(node) ? (node.key as Node | null)?.range?.[0] ?? 0 : 0;
    this.failAt(offset, message, hint);
  }

  /** failAt throws the error at a character offset of the file. */
  failAt(offset: number, message: string, hint: string = DEFAULT_HINT): never {
    const { line, col } = this.lines.linePos(offset);
    throw new GauntletError('GAUNTLET_CONFIG_INVALID', `${this.display}:${line}:${col}: ${message}`, { hint });
  }

  /**
   * nesting fails at the first collection nested deeper than `max` levels. It walks the parser's
   * token tree with an explicit stack, before the (recursive) document is composed, so a
   * pathological file is a clear error and not a stack overflow. It also counts the file's lines
   * for the positions in messages, so it runs first, once.
   */
  nesting(text: string, max: number): void {
    const stack: { token: CST.Token | undefined; depth: number }[] = [];
    for (const token of new Parser(this.lines.addNewLine).parse(text)) stack.push({ token, depth: 0 });
    while (stack.length > 0) {
      const { token, depth } = stack.pop()!;
      if (token === undefined) continue;
      if (token.type === 'document') {
        stack.push({ token: token.value, depth });
        continue;
      }
      if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection') continue;
      if (depth + 1 > max) this.failAt(token.offset, `the config is nested more than ${max} levels deep`, 'a config needs only a few levels (tests, options, headers); flatten it');
      for (const item of token.items) {
        if ('key' in item && item.key) stack.push({ token: item.key, depth: depth + 1 });
        if ('value' in item && item.value) stack.push({ token: item.value, depth: depth + 1 });
      }
    }
  }

  /** object reads a mapping whose keys must be among `fields`; `required` keys must be present. */
  object(node: Node, where: string, fields: Record<string, Field>, required: readonly string[] = []): void {
    if (!isMap(node)) this.fail(node, `${label(where)} must be a mapping of keys to values, got ${describe(node)}`, `write it as 'key: value' lines${where === '' ? '' : ` indented under ${where}`}; valid keys: ${Object.keys(fields).join(', ')}`);
    const seen = new Set<string>();
    for (const pair of (node as YAMLMap<unknown, unknown>).items) {
      const keyNode = pair.key as Node;
      const key = isScalar(keyNode) ? String(keyNode.value) : '';
      const read = fields[key];
      if (read === undefined) {
        const known = Object.keys(fields);
        const near = nearest(key, known);
        this.fail(keyNode, `unknown key '${key}'${where === '' ? '' : ` in ${where}`}`, `${near === undefined ? '' : `did you mean '${near}'? `}valid keys: ${known.join(', ')}`);
      }
      if (seen.has(key)) this.fail(keyNode, `duplicate key '${key}'${where === '' ? '' : ` in ${where}`}`, `keep one '${key}' and remove the other`);
      seen.add(key);
      const value = pair.value as Node | null;
      if (value === null || (isScalar(value) && value.value === null)) this.fail(keyNode, `${join(where, key)} has no value`, `give '${key}' a value on the same line, or remove the line`);
      read(value, join(where, key));
    }
    for (const r of required) if (!seen.has(r)) this.fail(node, `${label(where)} is missing the key '${r}'`, r === 'tests' ? "add 'tests:' with a list of scripts, e.g. '- test: ./script.ts'" : `add '${r}: …' to ${label(where)}`);
  }

  /** list reads a sequence, calling `item` with each element and `where[i]`. */
  list(node: Node, where: string, item: (n: Node, where: string, i: number) => void, min = 0): void {
    if (!isSeq(node)) this.fail(node, `${where} must be a list, got ${describe(node)}`, `write each item of ${where} on its own line starting with '- '`);
    const items = node.items as Node[];
    if (items.length < min) this.fail(node, `${where} needs at least ${min} item${min === 1 ? '' : 's'}`, `write each item of ${where} on its own line starting with '- '`);
    items.forEach((n, i) => item(n, `${where}[${i}]`, i));
  }

  /** string reads a scalar string (numbers are not strings). */
  string(node: Node, where: string): string {
    if (!isScalar(node) || typeof node.value !== 'string' || node.value === '') this.fail(node, `${where} must be a non-empty string, got ${describe(node)}`, `write it as text, quoted if need be: ${lastKey(where)}: "…"`);
    return node.value as string;
  }

  /** number reads a number > min (or a whole number >= min when `int`), at most `max` (a safe integer by default). */
  number(node: Node, where: string, opts: { int?: boolean; min?: number; max?: number } = {}): number {
    const v = isScalar(node) ? node.value : undefined;
    const min = opts.min ?? (opts.int ? 1 : 0);
    const max = opts.max ?? Number.MAX_SAFE_INTEGER;
    const example = `for example ${lastKey(where)}: ${Math.min(max, Math.max(10, Math.ceil(min)))}`;
    const ok = typeof v === 'number' && Number.isFinite(v) && (opts.int ? Number.isInteger(v) && v >= min : v > min);
    if (!ok) this.fail(node, `${where} must be ${opts.int ? `a whole number >= ${min}` : `a number > ${min}`}, got ${describe(node)}`, example);
    if ((v as number) > max) this.fail(node, `${where} is out of range: at most ${max}, got ${describe(node)}`, example);
    return v as number;
  }

  /** boolean reads true or false. */
  boolean(node: Node, where: string): boolean {
    if (!isScalar(node) || typeof node.value !== 'boolean') this.fail(node, `${where} must be true or false, got ${describe(node)}`, `write ${lastKey(where)}: true or ${lastKey(where)}: false`);
    return node.value as boolean;
  }

  /** duration reads `30s`, `1m30s`, `500ms` in milliseconds; a number without a unit is an error with a hint (`did you mean 10s?`). */
  duration(node: Node, where: string): number {
    const v = isScalar(node) ? node.value : undefined;
    if (typeof v !== 'string' && typeof v !== 'number') this.fail(node, `${where} must be a duration like 30s, got ${describe(node)}`, 'write it like 500ms, 30s, 1m30s or 2h');
    try {
      return parseDuration(v as string | number, where);
    } catch (err) {
      return this.fail(node, (err as Error).message, (err as GauntletError).hint ?? 'write it like 500ms, 30s, 1m30s or 2h');
    }
  }

  /** oneOf reads a string among `values`. */
  oneOf<T extends string>(node: Node, where: string, values: readonly T[]): T {
    const v = isScalar(node) ? node.value : undefined;
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) this.fail(node, `${where} must be one of ${values.join(', ')}, got ${describe(node)}`, `for example ${lastKey(where)}: ${values[0]}`);
    return v as T;
  }

  /** stringMap reads a mapping of strings to strings (headers). */
  stringMap(node: Node, where: string): Record<string, string> {
    const hint = `write it as 'Name: value' lines indented under ${where}`;
    if (!isMap(node)) this.fail(node, `${where} must be a mapping, got ${describe(node)}`, hint);
    const out: Record<string, string> = {};
    for (const pair of (node as YAMLMap<unknown, unknown>).items) {
      const k = pair.key as Node;
      const v = pair.value as Node;
      const key = isScalar(k) ? String(k.value) : this.fail(k, `${where} keys must be strings`, hint);
      if (key in out) this.fail(k, `duplicate key '${key}' in ${where}`, `keep one '${key}' and remove the other`);
      if (!isScalar(v) || v.value === null || typeof v.value === 'object') this.fail(v ?? k, `${where}.${key} must be a string`, hint);
      out[key] = String(v.value);
    }
    return out;
  }

  /** plain reads any value as plain data (a test's options). */
  plain(node: Node, where: string): Record<string, unknown> {
    if (!isMap(node)) this.fail(node, `${where} must be a mapping, got ${describe(node)}`, `write it as 'key: value' lines indented under ${lastKey(where)}`);
    return (node as YAMLMap).toJSON() as Record<string, unknown>;
  }
}

function isPairNode(n: unknown): n is Pair {
  return typeof n === 'object' && n !== null && 'key' in n && 'value' in n;
}

function join(where: string, key: string): string {
  return where === '' ? key : `${where}.${key}`;
}

function lastKey(where: string): string {
  return where.replace(/\[\d+\]$/, '').split('.').pop() || where;
}

function label(where: string): string {
  return where === '' ? 'the config' : where;
}

function describe(node: Node | null | undefined): string {
  if (node === null || node === undefined) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return node.value === null ? 'nothing' : typeof node.value === 'string' ? `'${node.value}'` : String(node.value);
  return 'something else';
}

/** nearest is the known key closest to a misspelt one (edit distance <= 2), for did-you-mean. */
function nearest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = distance(key.toLowerCase(), k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}
