/**
 * `gauntlet/distributed`: run a plan on agents over NATS. `startDistributedRun(plan, { agents, nats })`
 * returns the same RunHandle as `startRun`; `gauntlet agent` is the other side. `attachRun(runId, { nats })`
 * follows a run by its id from its JetStream stream (`gauntlet attach`).
 */
export { startDistributedRun, connectNats } from './api/distributed-run.js';
export type { DistributedRunOptions } from './api/distributed-run.js';
export { redactUrl } from './distributed/nats-connection.js';
export type { NatsConnectOptions } from './distributed/nats-connection.js';
export { attachRun } from './api/attach-run.js';
export type { AttachOptions } from './api/attach-run.js';
export type { AgentLine } from './distributed/agents-summary.js';
export { renderAgents } from './distributed/agents-summary.js';
export type { DistributedSettings } from './api/distributed-run.js';
/** `listAgents` is `gauntlet agents`, `stopRun` is `gauntlet stop RUN_ID`. */
export { listAgents, stopRun } from './api/fleet.js';
export type { AgentListing, FleetOptions, StopOutcome } from './api/fleet.js';
