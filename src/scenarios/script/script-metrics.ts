import { metricKey, TIME_SCALE, VALUE_SCALE, type Counter, type MetricsRegistry, type Trend } from '../../metrics/registry.js';
import { tagValue } from '../../metrics/http-metrics.js';
import type { CustomMetrics } from './test-case.js';

interface CheckCounters {
  pass: Counter;
  fail: Counter;
}

/** TestCounters are one test's iteration metrics (per test of a mixed run). */
export interface TestCounters {
  iterations: Counter;
  errors: Counter;
  /** failed: iterations that threw, had a request not as expected or a failed check. */
  failed: Counter;
  duration: Trend;
}

/**
 * ScriptMetrics records what scripts add on top of HTTP, for one worker: checks (`checks{result:pass}`,
 * `checks{result:fail}`, and per check `checks{check:NAME,result:pass|fail}`), custom trends
 * (`metrics.add(name, v)`, VALUE_SCALE) and counters (`metrics.count`), and iteration metrics:
 * `iteration_duration` (ms), `iteration_errors` (iterations that threw) and `iterations_failed`
 * (iterations that threw, had a request not as expected or a failed check), each also tagged `{test:NAME}`,
 * and `iterations{test:NAME}` (the executor counts the untagged `iterations`).
 */
export class ScriptMetrics implements CustomMetrics {
  readonly iterationErrors: Counter;
  readonly iterationsFailed: Counter;
  readonly iterationDuration: Trend;
  private readonly registry: MetricsRegistry;
  private readonly checkPass: Counter;
  private readonly checkFail: Counter;
  private readonly checks = new Map<string, CheckCounters>();
  private readonly trends = new Map<string, Trend>();
  private readonly counters = new Map<string, Counter>();
  private readonly tests = new Map<string, TestCounters>();

  constructor(registry: MetricsRegistry) {
    this.registry = registry;
    this.checkPass = registry.counter(metricKey('checks', { result: 'pass' }));
    this.checkFail = registry.counter(metricKey('checks', { result: 'fail' }));
    this.iterationErrors = registry.counter('iteration_errors');
    this.iterationsFailed = registry.counter('iterations_failed');
    this.iterationDuration = registry.trend('iteration_duration', TIME_SCALE);
  }

  /** check records a named check and returns whether it passed. */
  check(name: string, condition: unknown): boolean {
    let c = this.checks.get(name);
    if (c === undefined) {
      const check = tagValue(name);
      c = { pass: this.registry.counter(metricKey('checks', { check, result: 'pass' })), fail: this.registry.counter(metricKey('checks', { check, result: 'fail' })) };
      this.checks.set(name, c);
    }
    if (condition) {
      this.checkPass.value++;
      c.pass.value++;
      return true;
    }
    this.checkFail.value++;
    c.fail.value++;
    return false;
  }

  /** add records a custom trend value; a value that is not a finite number throws (the iteration fails, visibly). */
  add(name: string, value: number, tags?: Record<string, string>): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`metrics.add('${name}', ${String(value)}): the value must be a finite number`);
    const key = tags === undefined ? name : metricKey(name, tagsOf(tags));
    let t = this.trends.get(key);
    if (t === undefined) {
      checkName(name);
      t = this.registry.trend(key, VALUE_SCALE);
      this.trends.set(key, t);
    }
    t.record(value);
  }

  /** count adds to a custom counter. */
  count(name: string, n = 1, tags?: Record<string, string>): void {
    if (!Number.isFinite(n)) throw new TypeError(`metrics.count('${name}', ${String(n)}): the increment must be a finite number`);
    const key = tags === undefined ? name : metricKey(name, tagsOf(tags));
    let c = this.counters.get(key);
    if (c === undefined) {
      checkName(name);
      c = this.registry.counter(key);
      this.counters.set(key, c);
    }
    c.value += n;
  }

  /** test returns a test's tagged iteration metrics (`iterations{test:NAME}`, …). */
  test(name: string): TestCounters {
    let t = this.tests.get(name);
    if (t === undefined) {
      const tag = { test: tagValue(name) };
      t = { iterations: this.registry.counter(metricKey('iterations', tag)), errors: this.registry.counter(metricKey('iteration_errors', tag)), failed: this.registry.counter(metricKey('iterations_failed', tag)), duration: this.registry.trend(metricKey('iteration_duration', tag), TIME_SCALE) };
      this.tests.set(name, t);
    }
    return t;
  }
}

function tagsOf(tags: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in tags) out[tagValue(k).replace(/:/g, '_')] = tagValue(String(tags[k]));
  return out;
}

function checkName(name: string): void {
  if (!/^[A-Za-z_][\w.-]*$/.test(name)) throw new TypeError(`metric name '${name}' must start with a letter or _ and hold only letters, digits, _ . -`);
}
