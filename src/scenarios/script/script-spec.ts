import path from 'node:path';
import { GauntletError } from '../../core/errors.js';
import type { DataSpec } from './data-feeder.js';
import type { LoadedScript, TestExport } from './script-loader.js';

/** ScriptTestSpec is one test of a script scenario, as plain data. */
export type ScriptTestSpec = {
  /** module is the index of the script file in the bundle (0 for a single file). */
  readonly module: number;
  /** exportName is the class's export name, or `default` (function form or default class). */
  readonly exportName: string;
  /** name labels the test in metrics (`iterations{test:NAME}`) and the report; unique in a spec. */
  readonly name: string;
  readonly weight: number;
  /** options become the instance's `this.options`. */
  readonly options: Readonly<Record<string, unknown>>;
  /** shared is what startup returned (JSON), filled in by runStartup. */
  readonly shared?: unknown;
};

/**
 * ScriptScenarioSpec is the plan's scenario for scripted tests (`kind: 'script'`): plain data built
 * in the main process, sent to workers and agents. Agents get `code` and write it with
 * materializeBundle; local workers import `bundlePath`.
 */
export type ScriptScenarioSpec = {
  readonly kind: 'script';
  /** bundlePath is the bundle written on this machine (local runs only; never read from a shipped plan). */
  readonly bundlePath?: string;
  /** bundleHash is the SHA-256 bundlePath was written with; the file is imported only if it matches. */
  readonly bundleHash?: string;
  /** code is the portable bundle for agents (see LoadedScript.code); may be left out locally. */
  readonly code?: string;
  /** tests run in one closed model, users assigned by weight (one test per spec in the per-test open model). */
  readonly tests: readonly ScriptTestSpec[];
  readonly target: string | undefined;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  /** hookTimeoutMs bounds each `startup` and `shutdown` (main process only; default 60 s). */
  readonly hookTimeoutMs?: number;
  readonly insecure?: boolean;
  readonly data?: DataSpec;
};

declare module '../../load/plan.js' {
  interface ScenarioSpecs {
    script: ScriptScenarioSpec;
  }
}

/** TestEntry asks for one test: a file and optionally an export, with its own weight, options and name. */
export interface TestEntry {
  file: string;
  exportName?: string | undefined;
  name?: string | undefined;
  weight?: number | undefined;
  options?: Record<string, unknown> | undefined;
}

/**
 * selectTests picks the tests of a loaded script for a spec. Without entries every test of every
 * file runs (weights from `static weight`, else 1); `--test Name` picks by export or class name;
 * config entries name a file and optionally an export (`./upload.ts#Upload`). An unknown name is a
 * usage error listing what the script exports. Names are made unique (`Upload`, `Upload#2`).
 */
export function selectTests(loaded: LoadedScript, entries?: readonly TestEntry[]): ScriptTestSpec[] {
  const chosen: { t: TestExport; e: TestEntry | undefined }[] = [];
  if (entries === undefined || entries.length === 0) {
    for (const m of loaded.modules) for (const t of m.tests) chosen.push({ t, e: undefined });
    if (chosen.length === 0) throw noTests(loaded, undefined);
  } else {
    for (const e of entries) {
      const file = path.resolve(e.file);
      const mod = loaded.modules.findIndex((m) => m.file === file);
      if (mod < 0) throw new GauntletError('GAUNTLET_USAGE', `script '${e.file}' is not part of the loaded bundle`);
      const tests = loaded.modules[mod]!.tests;
      if (e.exportName === undefined) {
        if (tests.length === 0) throw noTests(loaded, mod);
        for (const t of tests) chosen.push({ t, e: tests.length === 1 ? e : { ...e, name: undefined } });
        continue;
      }
      const t = tests.find((x) => x.exportName === e.exportName);
      if (t === undefined) {
        throw new GauntletError('GAUNTLET_USAGE', `${path.basename(file)} has no test named '${e.exportName}'`, { hint: tests.length === 0 ? 'export a class extending TestCase, or a default function' : `it exports: ${tests.map((x) => x.exportName).join(', ')}` });
      }
      chosen.push({ t, e });
    }
  }
  const names = new Map<string, number>();
  return chosen.map(({ t, e }) => {
    const base = e?.name ?? (t.exportName === 'default' ? path.basename(loaded.modules[t.module]!.file).replace(/\.[^.]+$/, '') : t.exportName);
    const n = (names.get(base) ?? 0) + 1;
    names.set(base, n);
    const weight = e?.weight ?? t.weight ?? 1;
    if (!(Number.isFinite(weight) && weight > 0)) throw new GauntletError('GAUNTLET_USAGE', `test '${base}' has weight ${weight}; a weight must be a number > 0`);
    return { module: t.module, exportName: t.exportName, name: n === 1 ? base : `${base}#${n}`, weight, options: e?.options ?? {} };
  });
}

/** pickTests narrows a spec's tests to `--test` names (export or test name); unknown names are a usage error. */
export function pickTests(tests: readonly ScriptTestSpec[], names: readonly string[]): ScriptTestSpec[] {
  const out: ScriptTestSpec[] = [];
  for (const n of names) {
    const found = tests.filter((t) => t.name === n || t.exportName === n);
    if (found.length === 0) throw new GauntletError('GAUNTLET_USAGE', `--test ${n}: no such test`, { hint: `the script has: ${tests.map((t) => t.name).join(', ')}` });
    for (const f of found) if (!out.includes(f)) out.push(f);
  }
  return out;
}

function noTests(loaded: LoadedScript, mod: number | undefined): GauntletError {
  const files = mod === undefined ? loaded.modules.map((m) => path.basename(m.file)).join(', ') : path.basename(loaded.modules[mod]!.file);
  return new GauntletError('GAUNTLET_SCRIPT_INVALID', `${files}: no test found`, { hint: "export a class extending TestCase (import { TestCase } from 'gauntlet'), or `export default async function (t) { … }`" });
}
