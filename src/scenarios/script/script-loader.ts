import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isMainThread } from 'node:worker_threads';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as esbuild from 'esbuild';
import { GauntletError } from '../../core/errors.js';
import { lazyRequire } from '../../core/lazy-require.js';
import { isTestCaseClass } from './test-case.js';

/** TestExport is one runnable test found in a script: a TestCase class or the default function. */
export interface TestExport {
  /** module is the index of the script file in the bundle. */
  readonly module: number;
  readonly exportName: string;
  readonly kind: 'class' | 'function';
  /** weight is the class's `static weight`, if it has one. */
  readonly weight: number | undefined;
}

/** ScriptModuleInfo describes one script file of a bundle. */
export interface ScriptModuleInfo {
  readonly file: string;
  readonly tests: readonly TestExport[];
  /** options is the script's `export const options` (k6's run options), as plain data. */
  readonly options: Readonly<Record<string, unknown>> | undefined;
}

/** LoadedScript is one or more script files bundled once, ready to be imported by every worker. */
export interface LoadedScript {
  readonly modules: readonly ScriptModuleInfo[];
  /** bundlePath is the bundled module on this machine (import it with importBundle). */
  readonly bundlePath: string;
  /** bundleHash is the SHA-256 of the file at bundlePath: importBundle refuses a file that differs. */
  readonly bundleHash: string;
  /** code is the portable bundle: `gauntlet` is a placeholder that materializeBundle points at a Gauntlet install. */
  readonly code: string;
}

/** LoadScriptOptions tune loading; tests point `gauntletEntry` at a built module exporting TestCase. */
export interface LoadScriptOptions {
  /** gauntletEntry is the file `import … from 'gauntlet'` resolves to (this install's own index.js by default). */
  gauntletEntry?: string;
  /** outDir receives the bundle (a fresh folder under the OS temp folder by default). */
  outDir?: string;
}

/**
 * esbuild loads on first use, so a program that imports Gauntlet without scripts never loads it; and
 * with require(): Node's ESM import of this CommonJS package scans its 100 kB source for export
 * names first, about 75 ms of CPU per run (measured: ~100 ms by import(), ~25 ms by require()).
 */
const loadEsbuild = lazyRequire<typeof import('esbuild')>('esbuild');
const PLACEHOLDER = '__GAUNTLET_ENTRY__';
const DEFAULT_ENTRY = fileURLToPath(new URL('../../index.js', import.meta.url));
const SCRIPT_EXT = /\.(?:[cm]?[jt]s|[jt]sx)$/;

/**
 * loadScript bundles script files ONCE with esbuild (TypeScript, npm packages resolved from each
 * script's folder, Node built-ins external) into one ES module: file i is exported as namespace
 * `m<i>`. `import … from 'gauntlet'` is external and resolves to the running Gauntlet, so scripts
 * work in a folder with no node_modules. `import.meta.url` keeps naming the script's own file. The
 * bundle carries an inline source map, so stacks point into the user's files. It is written to a
 * temp file, imported once here to list the tests, and imported by every worker by path.
 *
 * A missing file is a usage error; a syntax or resolve error is GAUNTLET_SCRIPT_INVALID with
 * `file:line:col: message` and the source line as hint; a throw at the top level of the script is
 * GAUNTLET_SCRIPT_INVALID too.
 */
export async function loadScript(files: string | readonly string[], options: LoadScriptOptions = {}): Promise<LoadedScript> {
  const list = (typeof files === 'string' ? [files] : [...files]).map((f) => path.resolve(f));
  for (const f of list) {
    if (!existsSync(f) || !statSync(f).isFile()) throw new GauntletError('GAUNTLET_USAGE', `script '${displayPath(f)}' not found`, { hint: 'give the path of a .ts or .js test script' });
  }
  const code = await bundle(list);
  const { file: bundlePath, hash: bundleHash } = writeBundle(code, options.gauntletEntry, options.outDir);
  const ns = await importBundle(bundlePath, list.join(', '), bundleHash, options.gauntletEntry);
  const modules = list.map((file, i) => describe(file, i, ns[`m${i}`] as Record<string, unknown>));
  return { modules, bundlePath, bundleHash, code };
}

/** sha256 is the hex SHA-256 of a text. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

let processDir: string | undefined;

/**
 * bundleDir is where this process writes bundles it will import: by default one directory per
 * process made by mkdtemp (a fresh random name, mode 0700), so no other user can have created it
 * first or write into it; it is removed when the process exits. A given `outDir` must be a real
 * directory (not a link) owned by this user that no one else can write to.
 */
function bundleDir(outDir?: string): string {
  if (outDir === undefined) {
    if (processDir === undefined) {
      const dir = mkdtempSync(path.join(tmpdir(), 'gauntlet-scripts-'));
      processDir = dir;
      if (isMainThread) process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    }
    return processDir;
  }
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const st = lstatSync(outDir);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0) {
    throw new GauntletError('GAUNTLET_USAGE', `${outDir} is not a private folder (it must be a directory of this user that no one else can write to)`, { hint: 'let Gauntlet choose the folder, or give one with mode 0700' });
  }
  return outDir;
}

/**
 * writeBundle writes a portable bundle with `gauntlet` pointing at `gauntletEntry` into a private
 * folder (see bundleDir) and returns the file and its SHA-256. It never trusts a file it finds: an
 * existing file of the same name is used only when its content is exactly this bundle.
 */
export function writeBundle(code: string, gauntletEntry: string = DEFAULT_ENTRY, outDir?: string): { file: string; hash: string } {
  const entryUrl = pathToFileURL(path.resolve(gauntletEntry)).href;
  const text = code.split(JSON.stringify(PLACEHOLDER)).join(JSON.stringify(entryUrl));
  const hash = sha256(text);
  const file = path.join(bundleDir(outDir), `script-${hash.slice(0, 16)}.mjs`);
  if (!existsSync(file)) writeFileSync(file, text, { flag: 'wx', mode: 0o600 });
  else if (sha256(readFileSync(file, 'utf8')) !== hash) {
    throw new GauntletError('GAUNTLET_SCRIPT_INVALID', `${file} exists and is not this script's bundle; refusing to use it`, { hint: 'remove the file, or let Gauntlet choose the folder' });
  }
  return { file, hash };
}

/** materializeBundle is writeBundle's file: an agent writes the code it received this way. */
export function materializeBundle(code: string, gauntletEntry: string = DEFAULT_ENTRY, outDir?: string): string {
  return writeBundle(code, gauntletEntry, outDir).file;
}

/**
 * importBundle imports a bundle written by writeBundle and returns its namespace (`m0`, `m1`, …).
 * Given the bundle's SHA-256 it first checks the file still holds exactly that code.
 *
 * Source maps are switched on for the bundle's sake (its inline map points stacks into the user's
 * files), but only after `gauntletEntry` (what the bundle imports as `gauntlet`) is loaded: with
 * source maps on, Node reads and parses the .map file of every module it loads from then on, and
 * Gauntlet's own modules need none of that (those loaded earlier never had it either).
 */
export async function importBundle(bundlePath: string, label = bundlePath, expectedHash?: string, gauntletEntry: string = DEFAULT_ENTRY): Promise<Record<string, unknown>> {
  if (expectedHash !== undefined) {
    let actual: string;
    try {
      actual = sha256(readFileSync(bundlePath, 'utf8'));
    } catch (err) {
      throw new GauntletError('GAUNTLET_SCRIPT_INVALID', `${label}: cannot read the script bundle ${bundlePath} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { hint: 'run the test again' });
    }
    if (actual !== expectedHash) throw new GauntletError('GAUNTLET_SCRIPT_INVALID', `${label}: the script bundle ${bundlePath} changed after it was written; refusing to import it`, { hint: 'someone or something modified it: run the test again' });
  }
  await import(pathToFileURL(path.resolve(gauntletEntry)).href);
  process.setSourceMapsEnabled(true);
  try {
    return (await import(pathToFileURL(bundlePath).href)) as Record<string, unknown>;
  } catch (err) {
    const e = err as Error;
    const at = (e.stack ?? '').split('\n').find((l) => /^\s+at /.test(l) && !l.includes('node:internal'));
    throw new GauntletError('GAUNTLET_SCRIPT_INVALID', `${label}: error while loading the script: ${e.message}`, { hint: at?.trim() ?? 'check the top-level code of the script', cause: err });
  }
}

async function bundle(files: string[]): Promise<string> {
  const entry = files.map((f, i) => `export * as m${i} from ${JSON.stringify(f)};`).join('\n');
  const firstUrl = pathToFileURL(files[0]!).href;
  try {
    const r = await loadEsbuild().build({
      stdin: { contents: entry, resolveDir: path.dirname(files[0]!), sourcefile: 'gauntlet-entry.js', loader: 'js' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      // Source-map paths are relative to this name's folder: at the same depth as the private folder bundles go to.
      outfile: path.join(tmpdir(), 'gauntlet-scripts', 'bundle.mjs'),
      sourcemap: 'inline',
      sourcesContent: false,
      logLevel: 'silent',
      absWorkingDir: process.cwd(),
      // Bundled CommonJS packages call require(); give them one that resolves from the script's folder.
      banner: { js: `import { createRequire as __gauntletCreateRequire } from 'node:module'; const require = __gauntletCreateRequire(${JSON.stringify(firstUrl)});` },
      plugins: [gauntletPlugin()],
    });
    return r.outputFiles[0]!.text;
  } catch (err) {
    throw buildError(err);
  }
}

function gauntletPlugin(): esbuild.Plugin {
  return {
    name: 'gauntlet',
    setup(build) {
      build.onResolve({ filter: /^gauntlet$/ }, () => ({ path: PLACEHOLDER, external: true }));
      // Once bundled, import.meta.url and __dirname would name the bundle (or nothing, in ESM output):
      // give each file, the user's and its packages', its own location back.
      build.onLoad({ filter: SCRIPT_EXT }, (args) => {
        const src = readFileSync(args.path, 'utf8');
        const meta = src.includes('import.meta.');
        const cjsPaths = /\b__(dirname|filename)\b/.test(src) && !/\b(const|let|var|function)\s+__(dirname|filename)\b/.test(src);
        if (!meta && !cjsPaths) return undefined;
        let contents = meta
          ? src
              .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
              .replaceAll('import.meta.dirname', JSON.stringify(path.dirname(args.path)))
              .replaceAll('import.meta.filename', JSON.stringify(args.path))
          : src;
        // On the first line, so line numbers in messages stay right.
        if (cjsPaths) contents = `var __dirname = ${JSON.stringify(path.dirname(args.path))}, __filename = ${JSON.stringify(args.path)}; ${contents}`;
        const ext = path.extname(args.path).slice(1);
        const loader = (ext.startsWith('c') || ext.startsWith('m') ? ext.slice(1) : ext) as esbuild.Loader;
        return { contents, loader, resolveDir: path.dirname(args.path) };
      });
    },
  };
}

function buildError(err: unknown): GauntletError {
  const errors = (err as { errors?: esbuild.Message[] }).errors;
  const m = errors?.[0];
  if (m === undefined) return new GauntletError('GAUNTLET_SCRIPT_INVALID', `cannot bundle the script: ${(err as Error).message}`, { cause: err });
  const loc = m.location;
  const where = loc === null ? '' : `${displayPath(loc.file)}:${loc.line}:${loc.column + 1}: `;
  const more = errors!.length > 1 ? ` (and ${errors!.length - 1} more)` : '';
  // The source line and its caret go on lines of their own, after a line of advice: the CLI prints
  // `hint: ` before the first line only, so a caret on a continuation line lines up with the source.
  const advice = /Could not resolve/.test(m.text) ? "install the package in the script's folder (npm install), or fix the path" : undefined;
  let hint = advice;
  if (loc !== null && loc.lineText !== '') {
    const caret = `${loc.lineText.slice(0, loc.column).replace(/[^\t]/g, ' ')}^`;
    hint = `${advice ?? 'the error is marked below'}:\n${loc.lineText}\n${caret}`;
  }
  return new GauntletError('GAUNTLET_SCRIPT_INVALID', `${where}${m.text}${more}`, hint === undefined ? { cause: err } : { hint, cause: err });
}

/** displayPath shows a file relative to the working folder when it is inside it, else absolute. */
function displayPath(file: string): string {
  const abs = path.resolve(file);
  const rel = path.relative(process.cwd(), abs);
  return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel;
}

function describe(file: string, module: number, ns: Record<string, unknown> | undefined): ScriptModuleInfo {
  const tests: TestExport[] = [];
  let options: Record<string, unknown> | undefined;
  for (const [name, value] of Object.entries(ns ?? {})) {
    if (isTestCaseClass(value)) {
      const w = value.weight;
      tests.push({ module, exportName: name, kind: 'class', weight: typeof w === 'number' ? w : undefined });
    } else if (name === 'default' && typeof value === 'function') {
      if (/^class\b/.test(Function.prototype.toString.call(value))) {
        throw new GauntletError('GAUNTLET_SCRIPT_INVALID', `${file}: the default export is a class that does not extend TestCase`, { hint: "import { TestCase } from 'gauntlet' and extend it" });
      }
      tests.push({ module, exportName: name, kind: 'function', weight: undefined });
    } else if (name === 'options' && value !== null && typeof value === 'object') {
      options = structuredClone(value) as Record<string, unknown>;
    }
  }
  return { file, tests, options };
}
