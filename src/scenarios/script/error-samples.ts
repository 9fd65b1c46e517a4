import { isOwnFrame } from '../../core/own-frames.js';
import type { ErrorSample } from '../../load/scenario.js';
import { metricKey, type Counter, type MetricsRegistry } from '../../metrics/registry.js';
import { tagValue } from '../../metrics/http-metrics.js';

/** MAX_MESSAGES bounds distinct messages per worker; the rest are counted under `(other errors)`. */
export const MAX_MESSAGES = 100;
const OTHER = '(other errors)';

/**
 * ErrorSamples counts errors thrown by user code per message and keeps the first stack of each,
 * trimmed to the user's frames. The message names where it was thrown, `Test.hook: message`
 * (`Upload.run: TypeError: x is undefined`), truncated to 120 characters and made safe as a tag; it
 * is also counted as `iteration_errors{message:…}`. Memory is bounded however many errors a run throws.
 */
export class ErrorSamples {
  private readonly registry: MetricsRegistry;
  private readonly entries = new Map<string, { counter: Counter; count: number; stack: string }>();

  constructor(registry: MetricsRegistry) {
    this.registry = registry;
  }

  /** record counts one error thrown by `test`'s `hook` (userStart, setup, run, teardown, userStop) and returns its message. */
  record(err: unknown, test: string, hook: string): string {
    return this.count(`${test}.${hook}: ${errorMessage(err)}`, err);
  }

  /**
   * recordUncaught counts one error user code let escape every iteration (an unawaited rejection, a
   * throw in a timer callback) as `uncaught in TEST: message`; `test` is undefined when the worker
   * runs several tests and the error cannot be traced to one.
   */
  recordUncaught(err: unknown, test: string | undefined): string {
    return this.count(`uncaught in ${test ?? 'an unknown test (several run in this worker)'}: ${errorMessage(err)}`, err);
  }

  private count(text: string, err: unknown): string {
    let message = tagValue(text);
    let e = this.entries.get(message);
    if (e === undefined) {
      if (this.entries.size >= MAX_MESSAGES) message = OTHER;
      e = this.entries.get(message);
      if (e === undefined) {
        e = { counter: this.registry.counter(metricKey('iteration_errors', { message })), count: 0, stack: trimStack(err) };
        this.entries.set(message, e);
      }
    }
    e.counter.value++;
    e.count++;
    return message;
  }

  /** take returns the samples of the whole run so far (the worker sends them once, at its end). */
  take(): ErrorSample[] {
    return [...this.entries].map(([message, e]) => ({ message, count: e.count, stack: e.stack }));
  }
}

/** UNSHOWABLE names a thrown value whose every rendering throws (a revoked Proxy, a throwing toString). */
export const UNSHOWABLE = 'a thrown value that cannot be shown';

/**
 * errorMessage is the one-line message of a thrown value: `Name: message` (just the message for a
 * plain Error). It never throws: user code can throw anything, and a value whose rendering throws
 * (a revoked Proxy, a getter or toString that throws) is UNSHOWABLE, so the error is still counted.
 */
export function errorMessage(err: unknown): string {
  try {
    return messageOf(err);
  } catch {
    return UNSHOWABLE;
  }
}

function messageOf(err: unknown): string {
  let text: string;
  if (err instanceof Error) text = err.name === 'Error' || err.message.startsWith(err.name) ? err.message : `${err.name}: ${err.message}`;
  else text = `thrown: ${typeof err === 'string' ? err : safeJson(err)}`;
  const first = text.split('\n')[0]!.trim();
  return first === '' ? (err instanceof Error ? err.name : 'error') : first;
}

/** trimStack is the stack of a thrown value, trimmed to the user's frames; like errorMessage, it never throws. */
function trimStack(err: unknown): string {
  try {
    return userFrames(err);
  } catch {
    return UNSHOWABLE;
  }
}

function userFrames(err: unknown): string {
  if (!(err instanceof Error) || typeof err.stack !== 'string') return errorMessage(err);
  const out: string[] = [];
  let frames = 0;
  for (const l of err.stack.split('\n')) {
    const frame = /^\s+at /.test(l);
    // Gauntlet's own frames and Node's internals say nothing about the user's mistake.
    if (frame && (isOwnFrame(l) || l.includes('node_modules/undici'))) continue;
    if (frame && ++frames > 10) break;
    out.push(l);
  }
  return out.join('\n');
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    // A throw here (toString throws too) reaches errorMessage's catch.
    return String(v);
  }
}
