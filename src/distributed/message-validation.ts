import type { AgentMessage } from './agent-protocol.js';
import { isDataRefs } from './plan-objects.js';
import { isObjectRef } from './run-store.js';

/** Validation is a message of the protocol whose shape was checked, or why it was dropped. */
export type Validation = { readonly kind: 'ok'; readonly msg: AgentMessage } | { readonly kind: 'bad'; readonly reason: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const numRecord = (v: unknown): boolean => isObj(v) && Object.values(v).every(isNum);
const trendRecord = (v: unknown): boolean => isObj(v) && Object.values(v).every((t) => isObj(t) && isNum(t['scale']) && isStr(t['data']));
const gaugeRecord = (v: unknown): boolean => isObj(v) && Object.values(v).every((g) => isObj(g) && isNum(g['value']) && isNum(g['max']));
const isSnapshot = (v: unknown): boolean => isObj(v) && numRecord(v['counters']) && trendRecord(v['trends']) && (v['gauges'] === undefined || gaugeRecord(v['gauges']));
const strRecord = (v: unknown): boolean => isObj(v) && Object.values(v).every(isStr);
const isSegment = (v: unknown): boolean => isObj(v) && isNum(v['index']) && isNum(v['count']);

/** FIELDS checks, per message type, the fields its receivers read. */
const FIELDS: Record<AgentMessage['type'], (m: Obj) => string | undefined> = {
  discover: () => undefined,
  hello: (m) => (isStr(m['agentId']) && isStr(m['host']) && isNum(m['workers']) && m['workers'] >= 1 && (m['tags'] === undefined || strRecord(m['tags'])) ? undefined : 'hello needs agentId, host and workers'),
  claim: (m) => (isStr(m['runId']) ? undefined : 'claim needs runId'),
  claimed: (m) => (isStr(m['agentId']) && isStr(m['runId']) ? undefined : 'claimed needs agentId and runId'),
  release: (m) => (isStr(m['runId']) ? undefined : 'release needs runId'),
  status: () => undefined,
  'agent-status': (m) =>
    isStr(m['agentId']) && isStr(m['host']) && isNum(m['workers']) && ['idle', 'reserved', 'running'].includes(m['state'] as string) && isStr(m['version']) && strRecord(m['tags']) && (m['runId'] === undefined || isStr(m['runId']))
      ? undefined
      : 'agent-status needs agentId, host, workers, state, version and tags',
  'stop-run': (m) => (isStr(m['runId']) ? undefined : 'stop-run needs runId'),
  stopping: (m) => (isStr(m['runId']) ? undefined : 'stopping needs runId'),
  assign: (m) =>
    // Refs since protocol 3; an older coordinator's assign is read far enough to be refused by its version.
    isStr(m['runId']) && isStr(m['token']) && isSegment(m['segment']) && isStr(m['gauntletVersion']) && isNum(m['protocolVersion']) && (m['protocolVersion'] < 3 || (isObjectRef(m['planRef']) && isDataRefs(m['data']) && isNum(m['workers']) && m['workers'] >= 1))
      ? undefined
      : 'assign needs runId, token, planRef, data, workers, segment, gauntletVersion and protocolVersion',
  accepted: (m) => (isStr(m['agentId']) && isNum(m['epochMs']) && (m['heldMs'] === undefined || isNum(m['heldMs'])) ? undefined : 'accepted needs agentId and epochMs'),
  rejected: (m) => (isStr(m['agentId']) && isStr(m['reason']) ? undefined : 'rejected needs agentId and reason'),
  ready: (m) => (isStr(m['agentId']) && isStr(m['token']) ? undefined : 'ready needs agentId and token'),
  start: (m) => (isStr(m['runId']) && numRecord(m['startEpochMs']) ? undefined : 'start needs runId and startEpochMs'),
  stop: (m) => (isStr(m['runId']) ? undefined : 'stop needs runId'),
  abort: (m) => (isStr(m['runId']) ? undefined : 'abort needs runId'),
  alive: (m) => (isStr(m['runId']) ? undefined : 'alive needs runId'),
  heartbeat: (m) => (isStr(m['agentId']) && isStr(m['token']) ? undefined : 'heartbeat needs agentId and token'),
  snapshot: (m) =>
    isStr(m['agentId']) && isStr(m['token']) && isNum(m['index']) && Number.isInteger(m['index']) && m['index'] >= 0 && isNum(m['endMs']) && isSnapshot(m['snapshot'])
      ? undefined
      : 'snapshot needs agentId, token, an index, endMs and metrics (counters, trends)',
  done: (m) =>
    isStr(m['agentId']) && isStr(m['token']) && isNum(m['durationMs']) && isStr(m['stopReason']) && Array.isArray(m['errors']) && (m['error'] === undefined || isStr(m['error'])) && (m['failures'] === undefined || Array.isArray(m['failures'])) && (m['stopped'] === undefined || isStr(m['stopped'])) && (m['csv'] === undefined || isObjectRef(m['csv']))
      ? undefined
      : 'done needs agentId, token, durationMs, stopReason and errors',
};

/** validateMessage checks that parsed JSON is a message of the protocol with the fields its type needs. */
export function validateMessage(data: unknown): Validation {
  if (!isObj(data) || !isStr(data['type'])) return { kind: 'bad', reason: 'not a message of the agent protocol' };
  const check = Object.hasOwn(FIELDS, data['type']) ? FIELDS[data['type'] as AgentMessage['type']] : undefined;
  if (check === undefined) return { kind: 'bad', reason: `unknown message type '${data['type']}'` };
  const reason = check(data);
  return reason === undefined ? { kind: 'ok', msg: data as unknown as AgentMessage } : { kind: 'bad', reason };
}
