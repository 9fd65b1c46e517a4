/**
 * `gauntlet/durability`: put a web server through misbehaving workers. A DurabilityClient (Labour's
 * Client) sends a weighted mix of behaviours to a server that an adapter started; `singletest` and
 * `multitest` are composed from the same pieces. Runs go through the same engine as `gauntlet`'s
 * `startRun`, so their handles, results and reporters are the same.
 */
export { DurabilityClient, renderPlain } from './api/durability-client.js';
export type { DurabilityClientOptions, ExecuteOptions } from './api/durability-client.js';
export { startDurabilityRun } from './api/durability-run.js';
export type { DurabilityRunOptions } from './api/durability-run.js';
export { resolveSingleTest, resolveMultiTest, resolveBasic, startMultiTest, CellRun } from './api/durability.js';
export type { SingleTestOptions, MultiTestOptions, DurabilityTestOptions, ResolvedCell, ResolvedMultiTest, CellHooks, CellOutcome, MultiTestHooks, MultiTestHandle, TestChoice } from './api/durability.js';
export { behaviours, makeBehaviour, parseBehaviour, DEFAULT_CLIENT_TIMEOUT_MS } from './durability/behaviours.js';
export type { Behaviour, BehaviourExpectation, BehaviourOptions } from './durability/behaviours.js';
export { parseMix } from './durability/parse-mix.js';
export type { MixEntry } from './durability/parse-mix.js';
export { policies, parsePolicy } from './durability/policies.js';
export type { Policy } from './durability/policies.js';
export { judge } from './durability/judge.js';
export { READY_TESTS, getReadyTest } from './durability/ready-tests.js';
export type { ReadyTest } from './durability/ready-tests.js';
export { resolveDurabilityPlan } from './scenarios/durability/durability-plan.js';
export type { DurabilityPlanOptions } from './scenarios/durability/durability-plan.js';
export type { DurabilityScenarioSpec, DurabilityMixSpec, DurabilityPolicySpec } from './scenarios/durability/durability-scenario.js';
export { durabilityOf } from './scenarios/durability/durability-figures.js';
export type { DurabilityFigures, BehaviourFigures, RecoveryFigures, DurabilityNames, OutageFigures } from './scenarios/durability/durability-figures.js';
export type { UnexpectedList, UnexpectedResult, UnexpectedLogLine } from './scenarios/durability/unexpected-results.js';
export { FAILURE_CAUSES } from './durability/failure-causes.js';
export type { FailureCause } from './durability/failure-causes.js';
export { renderDurability } from './scenarios/durability/render-durability.js';
export { renderMatrix, renderMatrixCsv } from './scenarios/durability/matrix.js';
export type { Matrix, MatrixCell } from './scenarios/durability/matrix.js';
export type { ServerStats } from './durability/server-watch.js';
export { servers } from './durability/servers/server-factories.js';
export { getServerAdapter, listServers } from './durability/servers/server-registry.js';
export { parseServerSpec } from './durability/servers/parse-server-spec.js';
export type { RunningServer, ServerAdapter, ProcessSample, ServerStartOptions, ServerStopReport, ServerLogLine } from './durability/servers/server-adapter.js';
export { serveApp } from './durability/serve-app.js';
export { behindProxy } from './durability/servers/proxied-server.js';
export { nginxProxy } from './durability/servers/nginx-proxy.js';
export { PROXY_ADAPTERS, getProxyAdapter } from './durability/servers/proxy-registry.js';
export { expectationBehindProxy } from './durability/proxy-expectations.js';
export type { ProxyAdapter } from './durability/servers/proxy-adapter.js';
export type { ProxyTraits } from './durability/proxy-expectations.js';
export type { ServerSpec, ProxySpec } from './durability/servers/parse-server-spec.js';
export type { ProxyStats } from './durability/server-watch.js';
