import { createHash } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ObjectStore } from '@nats-io/obj';
import { GauntletError } from '../core/errors.js';

/** RUN_BUCKET is the JetStream object store bucket that holds the plans, data rows and raw rows of runs. */
export const RUN_BUCKET = 'gauntlet-runs';
/** RUN_OBJECTS_TTL_MS: objects of a run expire after this long, even when no one deletes them (a killed coordinator). */
export const RUN_OBJECTS_TTL_MS = 24 * 3600 * 1000;

/**
 * ObjectRef names one object of a run in the object store, with the SHA-256 (hex) of its bytes: a
 * signed message that carries a ref vouches for the bytes, so a swapped object is refused.
 */
export interface ObjectRef {
  readonly bucket: string;
  readonly name: string;
  readonly sha256: string;
  readonly size: number;
}

/** sha256Hex is the hex SHA-256 of some bytes. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** isObjectRef checks the shape of a ref read from a message. */
export function isObjectRef(v: unknown): v is ObjectRef {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r['bucket'] === 'string' && typeof r['name'] === 'string' && typeof r['sha256'] === 'string' && /^[0-9a-f]{64}$/.test(r['sha256']) && typeof r['size'] === 'number';
}

/**
 * noJetStream turns a JetStream API failure into one clear error: the server runs without JetStream
 * (`-js`), which plans, snapshots and attach need since protocol 3.
 */
export function noJetStream(err: unknown, what: string): GauntletError {
  const message = (err as Error)?.message ?? String(err);
  const missing = /jetstream (is )?not enabled|no responders|503/i.test(message);
  return new GauntletError('GAUNTLET_RUNTIME', missing ? `the NATS server has no JetStream, which ${what} needs` : `JetStream failed (${what}): ${message}`, {
    hint: missing ? 'start nats-server with -js (and -sd DIR to keep its store), e.g. nats-server -js -sd /var/lib/nats' : 'check the NATS server and its JetStream store (nats-server -js -sd DIR)',
    cause: err,
  });
}

/**
 * RunStore is the JetStream object store of runs (bucket RUN_BUCKET, objects expire after
 * RUN_OBJECTS_TTL_MS). Objects are chunked, so a plan or a data file is not bound by NATS's 1 MB
 * payload limit; every read is checked against the ref's SHA-256 and size.
 */
export class RunStore {
  private readonly os: ObjectStore;

  private constructor(os: ObjectStore) {
    this.os = os;
  }

  /** open opens (creating it on first use) the run bucket; a server without JetStream is a GauntletError with a hint. */
  static async open(nc: NatsConnection, what = 'shipping plans to agents'): Promise<RunStore> {
    try {
      // Loaded on first use: the CLI's other commands do not pay for the object store client.
      const { Objm } = await import('@nats-io/obj');
      const objm = new Objm(nc);
      return new RunStore(await objm.create(RUN_BUCKET, { ttl: RUN_OBJECTS_TTL_MS * 1_000_000, description: 'Gauntlet runs: plans, data rows, raw rows' }));
    } catch (err) {
      throw noJetStream(err, what);
    }
  }

  /** put stores bytes under `name` and returns their ref. */
  async put(name: string, bytes: Uint8Array): Promise<ObjectRef> {
    const info = await this.os.putBlob({ name }, bytes);
    return { bucket: RUN_BUCKET, name: info.name, sha256: sha256Hex(bytes), size: bytes.length };
  }

  /** get reads the object a ref names and checks it against the ref (missing, resized or changed: refused). */
  async get(ref: ObjectRef): Promise<Uint8Array> {
    if (ref.bucket !== RUN_BUCKET) throw new Error(`object ${ref.name} is in bucket '${ref.bucket}', not ${RUN_BUCKET}`);
    const bytes = await this.os.getBlob(ref.name);
    if (bytes === null) throw new Error(`object ${ref.name} is not in the store (expired or deleted)`);
    if (bytes.length !== ref.size || sha256Hex(bytes) !== ref.sha256) throw new Error(`object ${ref.name} does not match its SHA-256 (changed in the store); refused`);
    return bytes;
  }

  /** remove deletes objects (best effort: they expire anyway). */
  async remove(names: readonly string[]): Promise<void> {
    await Promise.all(names.map((n) => this.os.delete(n).catch(() => undefined)));
  }
}
