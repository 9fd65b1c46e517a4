import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../src/core/clock.js';
import type { ScenarioContext, VirtualUser } from '../../src/load/scenario.js';
import { MergedMetrics } from '../../src/metrics/merged-metrics.js';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import { createScriptScenario, type ScriptScenario } from '../../src/scenarios/script/script-scenario.js';
import { loadScript, type LoadedScript } from '../../src/scenarios/script/script-loader.js';
import { selectTests, type ScriptScenarioSpec, type TestEntry } from '../../src/scenarios/script/script-spec.js';

/** TEST_CASE_ENTRY is what `gauntlet` resolves to in tests: the built TestCase module. */
export const TEST_CASE_ENTRY = fileURLToPath(new URL('../../src/scenarios/script/test-case.js', import.meta.url));
/** EXAMPLES is the repository's examples folder. */
export const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));

/** writeScripts writes files into a fresh temp folder (no node_modules) and returns their paths by name. */
export function writeScripts(files: Record<string, string>): Record<string, string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'gauntlet-script-test-'));
  const out: Record<string, string> = {};
  for (const [name, text] of Object.entries(files)) {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    out[name] = p;
  }
  return out;
}

/** load bundles scripts against the built TestCase module. */
export function load(files: string | string[]): Promise<LoadedScript> {
  return loadScript(files, { gauntletEntry: TEST_CASE_ENTRY });
}

/** specFor builds a script spec for a loaded script. */
export function specFor(loaded: LoadedScript, extra: Partial<ScriptScenarioSpec> & { entries?: TestEntry[] } = {}): ScriptScenarioSpec {
  const { entries, ...rest } = extra;
  return { kind: 'script', bundlePath: loaded.bundlePath, bundleHash: loaded.bundleHash, tests: selectTests(loaded, entries), target: undefined, ...rest };
}

/** Harness is a scenario driven by hand, with the registry it records into. */
export interface Harness {
  scenario: ScriptScenario;
  registry: MetricsRegistry;
  ctx: ScenarioContext;
}

/** harness builds the scenario in this thread, as a worker would. */
export async function harness(spec: ScriptScenarioSpec, openModel = false): Promise<Harness> {
  const registry = new MetricsRegistry();
  const ctx: ScenarioContext = { metrics: registry, segment: { index: 0, count: 1 }, workerIndex: 0, openModel, clock: systemClock, t0: performance.now(), requestLog: undefined };
  return { scenario: await createScriptScenario(spec, ctx, { gauntletEntry: TEST_CASE_ENTRY }), registry, ctx };
}

/** runOnce runs one iteration of a user and resolves when `done` is called. */
export function runOnce(user: VirtualUser, scheduledAt = performance.now()): Promise<void> {
  return new Promise((resolve) => user.run(scheduledAt, () => resolve()));
}

/**
 * drive runs `users` users (global indexes 0..users-1, or the given ones) for `iterations` each, users
 * concurrently and each user's iterations one after another, closes them, and returns the merged metrics.
 */
export async function drive(h: Harness, opts: { users?: number; iterations: number; indexes?: number[] }): Promise<MergedMetrics> {
  const indexes = opts.indexes ?? Array.from({ length: opts.users ?? 1 }, (_, i) => i);
  await Promise.all(
    indexes.map(async (u) => {
      const user = await h.scenario.createUser(u);
      for (let i = 0; i < opts.iterations; i++) await runOnce(user);
      await user.close();
    }),
  );
  await h.scenario.close?.();
  return MergedMetrics.fromSnapshot(h.registry.snapshot());
}

/** ExampleTarget is examples/target.mjs's server: a REST API with a cookie session and a ws echo. */
export interface ExampleTarget {
  url: string;
  stats: { requests: number; logins: number; logouts: number; wsConnections: number; wsMessages: number };
  close(): Promise<void>;
}

/** startExampleTarget starts the examples' target on a free loopback port. */
export async function startExampleTarget(): Promise<ExampleTarget> {
  const mod = (await import(new URL('target.mjs', `file://${EXAMPLES}`).href)) as { startExampleTarget: (port?: number) => Promise<ExampleTarget> };
  return mod.startExampleTarget(0);
}
