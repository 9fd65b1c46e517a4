import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { GauntletError, usageError } from '../core/errors.js';

/** SigningKey is this user's Ed25519 key pair; `publicKey` is its raw 32 bytes in base64 (what agents trust). */
export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: string;
}

/** SignedEnvelope is a signed message on the wire: the exact JSON bytes signed, the signature and the signer's key (base64). */
export interface SignedEnvelope {
  readonly payload: string;
  readonly sig: string;
  readonly key: string;
}

/** configDir is where Gauntlet keeps per-user files: $GAUNTLET_CONFIG_DIR, else $XDG_CONFIG_HOME/gauntlet, else ~/.config/gauntlet. */
export function configDir(): string {
  const own = process.env['GAUNTLET_CONFIG_DIR'];
  if (own) return own;
  const xdg = process.env['XDG_CONFIG_HOME'];
  return join(xdg ? xdg : join(homedir(), '.config'), 'gauntlet');
}

const KEY_FILE = 'signing-key.pem';

function rawPublic(key: KeyObject): string {
  // An Ed25519 SPKI DER is a 12-byte prefix and the 32 raw bytes.
  return key.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
}

/**
 * loadSigningKey reads this user's Ed25519 key from the config directory, creating it on first use
 * (directory 0700, file 0600). A key file that others can read or write is refused: whoever reads it
 * can sign plans that every trusting agent runs.
 */
export function loadSigningKey(dir = configDir()): SigningKey {
  const file = join(dir, KEY_FILE);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    // Written whole under a private name, then linked into place: processes starting together (agents,
    // a coordinator) all end up with the one key that won, never with a half-written file.
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(tmp, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
    chmodSync(tmp, 0o600);
    try {
      linkSync(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      unlinkSync(tmp);
    }
  }
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new GauntletError('GAUNTLET_CONFIG_INVALID', `the signing key ${file} is readable or writable by others (mode ${mode.toString(8)})`, {
      hint: `chmod 600 ${file}`,
    });
  }
  const privateKey = createPrivateKey(readFileSync(file));
  return { privateKey, publicKey: rawPublic(createPublicKey(privateKey)) };
}

/** signPayload signs the exact bytes `payload` (a JSON message) and wraps them in an envelope. */
export function signPayload(payload: string, key: SigningKey): SignedEnvelope {
  return { payload, sig: sign(null, Buffer.from(payload), key.privateKey).toString('base64'), key: key.publicKey };
}

function publicKeyFromRaw(raw: string): KeyObject {
  const bytes = Buffer.from(raw, 'base64');
  if (bytes.length !== 32) throw new Error('not a 32-byte Ed25519 public key');
  return createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), bytes]), format: 'der', type: 'spki' });
}

/** VerifyOutcome is a verified payload, or why it was refused. */
export type VerifyOutcome = { readonly kind: 'ok'; readonly payload: string } | { readonly kind: 'refused'; readonly reason: string };

/** verifyEnvelope checks that `data` is an envelope signed by one of `trusted` (raw base64 public keys). */
export function verifyEnvelope(data: unknown, trusted: ReadonlySet<string>): VerifyOutcome {
  if (typeof data !== 'object' || data === null) return { kind: 'refused', reason: 'not a signed message' };
  const e = data as Record<string, unknown>;
  if (typeof e['payload'] !== 'string' || typeof e['sig'] !== 'string' || typeof e['key'] !== 'string') return { kind: 'refused', reason: 'unsigned message' };
  if (!trusted.has(e['key'])) return { kind: 'refused', reason: `signed by an untrusted key ${e['key']}` };
  try {
    if (verify(null, Buffer.from(e['payload']), publicKeyFromRaw(e['key']), Buffer.from(e['sig'], 'base64'))) return { kind: 'ok', payload: e['payload'] };
  } catch {
    // a malformed key or signature: refused below
  }
  return { kind: 'refused', reason: 'bad signature' };
}

/** parseTrustedKey reads a `--trust` (or `--trust-agent`, named by `flag`) value: a base64 public key, or a file holding one (or a PEM public key). */
export function parseTrustedKey(value: string, flag = '--trust'): string {
  let text = value.trim();
  if (existsSync(value)) text = readFileSync(value, 'utf8').trim();
  try {
    if (text.includes('BEGIN PUBLIC KEY')) return rawPublic(createPublicKey(text));
    publicKeyFromRaw(text);
    return text;
  } catch {
    throw usageError(`${flag} ${value} is not an Ed25519 public key or a file holding one`, "print the coordinator user's key with: gauntlet key");
  }
}
