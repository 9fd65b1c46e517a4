/**
 * Gauntlet's public library surface (`import … from 'gauntlet'`). Everything exported here is
 * supported; nothing else is. Server durability lives in `gauntlet/durability` and scale-out in
 * `gauntlet/distributed`, so a program that only runs load loads neither the servers nor the NATS
 * client; the script bundler (esbuild) loads only when a script is prepared.
 *
 * One way starts any run: `startRun(plan, options)` returns a RunHandle (typed events, `stop()`,
 * `abort()`, `done`). A front door's helper builds the plan from its options: `bench(options)` is
 * `startRun(resolveBenchPlan(options))`; scripts need their startup and shutdown around the run, so
 * they go through `prepareScriptRun` then `startScriptRun`.
 */
export { startRun } from './api/start-run.js';
export type { RunHandle, RunEvents, StartRunOptions } from './runner/run-handle.js';
export { bench, resolveBenchPlan } from './api/bench.js';
export type { BenchOptions } from './api/bench.js';
export { resolveExecutor, resolveRunSettings, defaultWorkers } from './load/load-options.js';
export type { LoadOptions } from './load/load-options.js';
export { prepareScriptRun, startScriptRun } from './api/run-script.js';
export type { RunScriptOptions, PreparedScriptRun } from './api/run-script.js';
export { startDemoTarget } from './api/demo-target.js';
export type { DemoTarget } from './api/demo-target.js';

export { GauntletError, ExitCode } from './core/errors.js';
export type { GauntletErrorCode } from './core/errors.js';
export { FAILURE_KINDS } from './core/failure-kinds.js';
export type { FailureKind, OutcomeKind } from './core/failure-kinds.js';
export type { Plan, PlanPart, ExecutorSpec, ClosedSpec, OpenSpec, ClosedStep, RateStage, ScenarioSpec, ScenarioSpecs, ScenarioKind } from './load/plan.js';
export type { BenchScenarioSpec } from './scenarios/bench/bench-scenario.js';
export type { ScriptScenarioSpec, ScriptTestSpec } from './scenarios/script/script-spec.js';

export { MergedMetrics } from './metrics/merged-metrics.js';
export type { MetricsSnapshot } from './metrics/registry.js';
export type { TrendSummary, EncodedTrend } from './metrics/histogram.js';
export { parseThresholds } from './metrics/thresholds.js';
export type { Threshold, ThresholdInput } from './metrics/thresholds.js';
export type { RunResult, IntervalRow, ThresholdOutcome, ErrorSampleSummary, ResultSections } from './metrics/run-result.js';

export type { Reporter, PlanInfo } from './report/reporter.js';
export { renderTextSummary } from './report/text-summary.js';
export { renderTimeseriesCsv, TimeseriesReporter } from './report/timeseries-csv.js';
export { RawCsvReporter, RAW_CSV_HEADER } from './report/raw-csv.js';
export { JsonReporter, parseRunResult } from './report/json-result.js';
export { renderHtmlReport, HtmlReporter } from './report/html-report.js';
export { ProgressReporter } from './report/progress.js';
export { renderScriptSummary } from './scenarios/script/script-summary.js';
export type { ScriptSection } from './scenarios/script/script-summary.js';

export { TestCase } from './scenarios/script/test-case.js';
export type { StartupContext, TestCaseClass } from './scenarios/script/test-case.js';
export type { TestFunction } from './scenarios/script/function-test.js';
export type { HttpSession, RequestOptions } from './scenarios/script/http-session.js';
export type { HttpResponse } from './scenarios/script/http-response.js';
export type { WsSession } from './scenarios/script/ws-session.js';
