import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { usageError } from '../../core/errors.js';
import { parseRunResult } from '../../report/json-result.js';
import { renderTextSummary } from '../../report/text-summary.js';
import { renderScriptSummary } from '../../scenarios/script/script-summary.js';
import { durabilityOf } from '../../scenarios/durability/durability-figures.js';
import { renderDurability } from '../../scenarios/durability/render-durability.js';
import { renderTimeseriesCsv } from '../../report/timeseries-csv.js';
import { renderHtmlReport } from '../../report/html-report.js';
import { out, strictCommand } from '../io.js';

/** reportCommand is `gauntlet report FILE.json`: re-render a saved result without re-running. */
export function reportCommand(setExit: (code: number) => void): Command {
  return strictCommand(new Command('report'))
    .description('re-render a result saved with --json (summary, time series or HTML)')
    .argument('<file>', 'a result written by --json')
    .option('--format <format>', 'summary, timeseries or html', 'summary')
    .action((file: string, f: { format: string }) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw usageError(`cannot read '${file}' (${(e as NodeJS.ErrnoException).code ?? 'error'})`, 'give the path of a file written by --json');
      }
      const result = parseRunResult(text, file);
      if (f.format === 'summary') {
        // The same sections the command that wrote the result printed: a script's tests, a durability run's figures.
        out(renderTextSummary(result));
        if (Object.keys(result.metrics.counters).some((k) => k.startsWith('iterations{test:'))) out('\n' + renderScriptSummary(result));
        const figures = durabilityOf(result);
        if (figures !== undefined) out('\n' + renderDurability(figures));
      }
      else if (f.format === 'timeseries') out(renderTimeseriesCsv(result));
      else if (f.format === 'html') out(renderHtmlReport(result));
      else throw usageError(`--format '${f.format}' is not summary, timeseries or html`, 'use --format summary, timeseries or html');
      setExit(0);
    });
}
