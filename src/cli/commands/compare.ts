import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Command } from 'commander';
import { ExitCode, usageError } from '../../core/errors.js';
import { MergedMetrics } from '../../metrics/merged-metrics.js';
import { evaluateGate, parseRegressionGate } from '../../metrics/regression-gate.js';
import { compareRuns } from '../../report/compare/compare-runs.js';
import { renderComparisonHtml } from '../../report/compare/compare-html.js';
import { renderComparison, renderGates } from '../../report/compare/compare-text.js';
import { parseRunResult } from '../../report/json-result.js';
import { WholeOutputFile } from '../../report/whole-output-file.js';
import { out, strictCommand } from '../io.js';
import { printOutputFailure, renderOutputFailures } from '../run-and-report.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** readResult reads one saved result; an unreadable or damaged file is a usage error naming it. */
function readResult(file: string) {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw usageError(`cannot read '${file}' (${(e as NodeJS.ErrnoException).code ?? 'error'})`, 'give the paths of files written by --json');
  }
  return parseRunResult(text, file);
}

/** labelsOf names the runs by file name, or by path where two file names are the same. */
function labelsOf(files: readonly string[]): string[] {
  const names = files.map((f) => basename(f));
  return names.map((n, i) => (names.indexOf(n) !== names.lastIndexOf(n) ? files[i]! : n));
}

/**
 * compareCommand is `gauntlet compare base.json new.json [more.json…]`: the runs side by side with
 * a noise-aware verdict per row, `--fail-on` regression gates against the base (exit 99 when one
 * fails; a malformed gate is exit 2 before anything is read) and `--html` for overlaid charts.
 */
export function compareCommand(setExit: (code: number) => void): Command {
  return strictCommand(new Command('compare'))
    .description('compare saved runs (--json files) with a base: side by side, noise-aware verdicts, regression gates (--fail-on), HTML charts')
    .argument('<base>', 'the base run (a file written by --json)')
    .argument('<runs...>', 'one or more runs to compare with the base')
    .option('--fail-on <gate>', "fail (exit 99) when a run regresses, k6 threshold syntax against the base, e.g. 'http_req_duration p(99) > base*1.10' (repeatable)", collect)
    .option('--html <file>', 'also write the comparison as a self-contained HTML page with charts')
    .action((baseFile: string, files: string[], f: { failOn?: string[]; html?: string }) => {
      const gates = (f.failOn ?? []).map(parseRegressionGate);
      const paths = [baseFile, ...files];
      const runs = paths.map(readResult);
      const labels = labelsOf(paths);
      const html = f.html !== undefined ? new WholeOutputFile(f.html, '--html', { onFailure: printOutputFailure }) : undefined;
      const comparison = compareRuns(runs, labels);
      const merged = runs.map((r) => MergedMetrics.fromSnapshot(r.metrics));
      const verdicts = gates.flatMap((g) => runs.slice(1).map((r, i) => ({ label: labels[i + 1]!, verdict: evaluateGate(g, merged[0]!, runs[0]!.durationMs, merged[i + 1]!, r.durationMs) })));
      out(`Comparing ${runs.length - 1} run(s) with the base ${labels[0]}:\n\n`);
      out(renderComparison(comparison));
      const gateText = renderGates(verdicts);
      if (gateText !== '') out('\n' + gateText);
      if (html !== undefined) html.writeWhole(renderComparisonHtml(runs, comparison, verdicts));
      const failed = html?.failure !== undefined ? [html.failure] : [];
      out(renderOutputFailures(failed));
      if (verdicts.some((v) => v.verdict.failed)) return setExit(ExitCode.thresholds);
      setExit(failed.length > 0 ? ExitCode.runtime : ExitCode.ok);
    });
}
