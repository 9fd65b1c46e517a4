import type { Segment } from '../core/segments.js';
import type { Plan, PlanPart, ScenarioSpec } from '../load/plan.js';
import { signPayload, verifyEnvelope, type SigningKey } from './plan-signing.js';
import { wireParse, wireStringify } from './agent-protocol.js';
import { isObjectRef, type ObjectRef, type RunStore } from './run-store.js';

/** DataSpec is a script part's data table (scenarios/script/data-feeder.ts), named through the plan's types (this layer imports no scenario). */
type DataSpec = NonNullable<Extract<ScenarioSpec, { kind: 'script' }>['data']>;

/** DataRef is one data table an agent fetches: the plan parts it feeds and the object holding its rows for this agent. */
export interface DataRef {
  readonly parts: readonly number[];
  readonly ref: ObjectRef;
  /** rows: how many rows the object holds. */
  readonly rows: number;
}

/** ShippedPlan is a plan put in the object store: the signed plan's ref, each segment's data refs and every object name. */
export interface ShippedPlan {
  readonly planRef: ObjectRef;
  /** dataFor holds, per segment (in the order given), the data tables that agent fetches. */
  readonly dataFor: readonly (readonly DataRef[])[];
  /** objects names everything put, for the clean-up at the end. */
  readonly objects: readonly string[];
  /** dataObjects names the data objects (not needed once the agents fetched them). */
  readonly dataObjects: readonly string[];
}

/** DataObject is the JSON of a data object: rows, and their row numbers in the whole file when only some are there. */
interface DataObject {
  readonly indexes?: readonly number[];
  readonly rows: readonly (readonly string[])[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** partUsers is how many users a part runs at most (the global user indexes 0..n-1, before its userOffset). */
function partUsers(p: PlanPart): number {
  return p.executor.kind === 'open' ? p.executor.connections : Math.max(...p.executor.steps.map((s) => s.users));
}

function dataOf(p: PlanPart): DataSpec | undefined {
  return p.scenario.kind === 'script' ? p.scenario.data : undefined;
}

/**
 * segmentRows lists the row numbers a segment's users read in `unique` mode: global user u (after the
 * part's userOffset) reads row u, and a segment runs the users g with g % count === index.
 */
export function segmentRows(parts: readonly PlanPart[], segment: Segment, total: number): number[] {
  const out = new Set<number>();
  for (const p of parts) {
    const users = partUsers(p);
    for (let g = segment.index; g < users; g += segment.count) if (g + p.userOffset < total) out.add(g + p.userOffset);
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * shipPlan puts a plan in the object store for its agents: the plan without its data rows, as an
 * envelope signed by `key` (what agents verify), and each data table apart. In `unique` mode each
 * agent gets an object with only its users' rows (segmentRows); in `round-robin` and `random` modes
 * every user may read any row, so all agents fetch the one whole-table object.
 */
export async function shipPlan(store: RunStore, runId: string, plan: Plan, key: SigningKey, segments: readonly Segment[]): Promise<ShippedPlan> {
  const tables = new Map<DataSpec['rows'], { spec: DataSpec; parts: number[] }>();
  plan.parts.forEach((p, i) => {
    const d = dataOf(p);
    if (d === undefined) return;
    const t = tables.get(d.rows);
    if (t) t.parts.push(i);
    else tables.set(d.rows, { spec: d, parts: [i] });
  });
  const stripped: Plan = tables.size === 0 ? plan : { ...plan, parts: plan.parts.map((p) => (p.scenario.kind === 'script' && p.scenario.data !== undefined ? { ...p, scenario: { ...p.scenario, data: { ...p.scenario.data, rows: [] } } } : p)) };
  const objects: string[] = [];
  const dataObjects: string[] = [];
  const put = async (name: string, body: unknown, data: boolean) => {
    const ref = await store.put(name, encoder.encode(JSON.stringify(body)));
    objects.push(name);
    if (data) dataObjects.push(name);
    return ref;
  };
  const planRef = await put(`${runId}/plan`, signPayload(wireStringify(stripped), key), false);
  const dataFor: DataRef[][] = segments.map(() => []);
  let k = 0;
  for (const { spec, parts } of tables.values()) {
    if (spec.mode === 'unique') {
      for (const [s, segment] of segments.entries()) {
        const indexes = segmentRows(parts.map((i) => plan.parts[i]!), segment, spec.rows.length);
        const ref = await put(`${runId}/data/${k}/${segment.index}`, { indexes, rows: indexes.map((n) => spec.rows[n]!) } satisfies DataObject, true);
        dataFor[s]!.push({ parts, ref, rows: indexes.length });
      }
    } else {
      const ref = await put(`${runId}/data/${k}`, { rows: spec.rows } satisfies DataObject, true);
      for (const list of dataFor) list.push({ parts, ref, rows: spec.rows.length });
    }
    k++;
  }
  return { planRef, dataFor, objects, dataObjects };
}

/** FetchedPlan is a shipped plan as an agent rebuilt it, with what it fetched (for its log line). */
export interface FetchedPlan {
  readonly plan: Plan;
  /** dataRows and dataBytes: the data rows this agent fetched, and their size in the store. */
  readonly dataRows: number;
  readonly dataBytes: number;
}

/** readPlanObject reads a plan from its (checked) envelope bytes; `trusted` undefined reads without verifying the signer (attach: nothing runs). */
export function readPlanObject(bytes: Uint8Array, trusted: ReadonlySet<string> | undefined, acceptUnsigned = false): Plan {
  const raw = JSON.parse(decoder.decode(bytes)) as unknown;
  if (trusted === undefined) return wireParse((raw as { payload: string }).payload) as Plan;
  const env = verifyEnvelope(raw, trusted);
  if (env.kind === 'ok') return wireParse(env.payload) as Plan;
  if (acceptUnsigned && typeof raw === 'object' && raw !== null && !('payload' in raw)) return raw as Plan;
  throw new Error(`the plan object was refused: ${env.reason}`);
}

/**
 * fetchPlan is the agent's side of shipPlan: it reads the signed plan (refused unless signed by a
 * trusted key) and its data rows, each checked against the SHA-256 its signed assign carries.
 */
export async function fetchPlan(store: RunStore, planRef: ObjectRef, data: readonly DataRef[], trusted: ReadonlySet<string>, acceptUnsigned = false): Promise<FetchedPlan> {
  const plan = readPlanObject(await store.get(planRef), trusted, acceptUnsigned);
  const parts = [...plan.parts];
  let dataRows = 0;
  let dataBytes = 0;
  for (const d of data) {
    const obj = JSON.parse(decoder.decode(await store.get(d.ref))) as DataObject;
    dataRows += obj.rows.length;
    dataBytes += d.ref.size;
    for (const i of d.parts) {
      const p = parts[i];
      if (p === undefined || p.scenario.kind !== 'script' || p.scenario.data === undefined) throw new Error(`data for plan part ${i}, which has no data file`);
      const spec: DataSpec = { ...p.scenario.data, rows: obj.rows, ...(obj.indexes !== undefined ? { rowIndexes: obj.indexes } : {}) };
      parts[i] = { ...p, scenario: { ...p.scenario, data: spec } };
    }
  }
  return { plan: { ...plan, parts }, dataRows, dataBytes };
}

/** isDataRefs checks the shape of the data refs of an assign. */
export function isDataRefs(v: unknown): v is DataRef[] {
  return Array.isArray(v) && v.every((d) => typeof d === 'object' && d !== null && Array.isArray(d.parts) && d.parts.every((n: unknown) => typeof n === 'number') && isObjectRef(d.ref) && typeof d.rows === 'number');
}
