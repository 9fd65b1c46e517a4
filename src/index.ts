/**
 * Gauntlet's public library surface. Everything exported here is supported; nothing else is.
 */
export { bench, resolveBenchPlan, resolveExecutor } from './api/bench.js';
export type { BenchOptions, LoadOptions } from './api/bench.js';
export { startRun, defaultWorkers } from './api/start-run.js';
export type { RunHandle, StartRunOptions } from './api/start-run.js';
export { startDemoTarget } from './api/demo-target.js';
export type { DemoTarget } from './api/demo-target.js';
export { GauntletError, ExitCode } from './core/errors.js';
export type { GauntletErrorCode } from './core/errors.js';
export { FAILURE_KINDS } from './core/failure-kinds.js';
export type { FailureKind, OutcomeKind } from './core/failure-kinds.js';
export type { Plan, ExecutorSpec, ClosedSpec, OpenSpec, ClosedStep, RateStage, ScenarioSpec } from './load/plan.js';
export { MergedMetrics } from './metrics/merged-metrics.js';
export type { MetricsSnapshot } from './metrics/registry.js';
export type { TrendSummary, EncodedTrend } from './metrics/histogram.js';
export { renderTextSummary } from './report/text-summary.js';
export { renderTimeseriesCsv, TimeseriesReporter } from './report/timeseries-csv.js';
export { RawCsvReporter, RAW_CSV_HEADER } from './report/raw-csv.js';
export { JsonReporter, parseRunResult } from './report/json-result.js';
export { ProgressReporter } from './report/progress.js';
export type { Reporter } from './report/reporter.js';
export type { RunResult, IntervalRow, ThresholdOutcome } from './report/run-result.js';
export { TestCase } from './script/test-case.js';
export type { StartupContext } from './script/test-case.js';
export type { TestFunction } from './script/function-test.js';
export type { HttpSession } from './script/http-session.js';
export type { HttpResponse } from './script/http-response.js';
export type { WsSession } from './script/ws-session.js';
export { prepareScriptRun, startScriptRun } from './api/run-script.js';
export type { RunScriptOptions, PreparedScriptRun } from './api/run-script.js';
export { renderScriptSummary } from './report/script-summary.js';
export type { RequestOptions } from './script/http-session.js';
