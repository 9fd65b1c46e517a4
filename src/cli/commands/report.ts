import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { GauntletError, usageError } from '../../core/errors.js';
import type { RunResult } from '../../metrics/run-result.js';
import { parseRunResult } from '../../report/json-result.js';
import { renderTextSummary } from '../../report/text-summary.js';
import { renderScriptSummary } from '../../scenarios/script/script-summary.js';
import { durabilityOf } from '../../scenarios/durability/durability-figures.js';
import { renderDurability } from '../../scenarios/durability/render-durability.js';
import { renderTimeseriesCsv } from '../../report/timeseries-csv.js';
import { renderHtmlReport } from '../../report/html-report.js';
import { out, strictCommand } from '../io.js';

/** render renders a parsed result in one format: the same sections the command that wrote it printed. */
function render(result: RunResult, format: string): string {
  if (format === 'timeseries') return renderTimeseriesCsv(result);
  if (format === 'html') return renderHtmlReport(result);
  const sections: string[] = [];
  if (Object.keys(result.metrics.counters).some((k) => k.startsWith('iterations{test:'))) sections.push(renderScriptSummary(result));
  const figures = durabilityOf(result);
  if (figures !== undefined) sections.push(renderDurability(figures));
  return renderTextSummary(result, sections);
}

/** reportCommand is `gauntlet report FILE.json`: re-render a saved result without re-running. */
export function reportCommand(setExit: (code: number) => void): Command {
  return strictCommand(new Command('report'))
    .description('re-render a result saved with --json (summary, time series or HTML)')
    .argument('<file>', 'a result written by --json')
    .option('--format <format>', 'summary, timeseries or html', 'summary')
    .action((file: string, f: { format: string }) => {
      // Flags first: a wrong --format is the same mistake whatever the file holds.
      if (!['summary', 'timeseries', 'html'].includes(f.format)) throw usageError(`--format '${f.format}' is not summary, timeseries or html`, 'use --format summary, timeseries or html');
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw usageError(`cannot read '${file}' (${(e as NodeJS.ErrnoException).code ?? 'error'})`, 'give the path of a file written by --json');
      }
      const result = parseRunResult(text, file);
      let rendered: string;
      try {
        rendered = render(result, f.format);
      } catch (e) {
        // The shape check covers what every renderer reads; a front door's section (a durability
        // run's figures) is read only by its own renderer: damage there is still the file's fault.
        if (e instanceof GauntletError) throw e;
        throw usageError(`${file} could not be rendered: ${(e as Error).message} (a section of it is damaged)`, 'give a file written by --json, unmodified, or write it again');
      }
      out(rendered);
      setExit(0);
    });
}
