/**
 * The workers' sealing key: secrets a run obtains while it runs (a login's `accessToken` output)
 * have no reference a worker could resolve again, so a checkpoint holds them encrypted instead:
 * AES-256-GCM under a key every worker of the queue shares (`ARAZZO_SEAL_KEY`, as they share
 * Redis), a fresh random IV per value, the run id as additional data (a value sealed for one run
 * does not open in another). The result is a secret reference of its own, `sealed:<base64url>`,
 * which the sealer's placeholders carry like `env:HF_TOKEN`. A wrong key, or a sealed value altered
 * in Redis, fails authentication: a clear error, never garbage.
 */
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { ArazzoError } from '../errors.js';

/** The reference scheme of a value sealed under the key. Reserved: a submitted reference cannot use it. */
export const SEALED_SCHEME = 'sealed';
const PREFIX = `${SEALED_SCHEME}:`;
/** The format byte leading every sealed value: AES-256-GCM, 12-byte IV, 16-byte tag. */
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** How to make a key, for error messages and docs. */
export const SEAL_KEY_HOWTO = 'openssl rand -base64 32';

/** Whether a reference is a value sealed under the key. */
export function isSealedReference(reference: string): boolean {
  return reference.startsWith(PREFIX);
}

export class SealKey {
  private readonly key: KeyObject;

  /** `bytes`: exactly 32 bytes. Use `parseSealKey` for text (base64 or hex). */
  constructor(bytes: Uint8Array) {
    if (bytes.length !== KEY_BYTES) throw invalidKey(`it is ${bytes.length} bytes long, not ${KEY_BYTES}`);
    this.key = createSecretKey(Buffer.from(bytes));
  }

  /** `value` encrypted for run `runId`, as a `sealed:` reference. */
  seal(value: string, runId: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(runId));
    const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([Buffer.of(VERSION), iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /**
   * The value a `sealed:` reference of run `runId` holds. Throws QUEUE_SEAL_KEY_MISMATCH when it
   * does not decrypt under this key (another key, or the stored value was altered).
   */
  open(reference: string, runId: string): string {
    const raw = isSealedReference(reference) ? Buffer.from(reference.slice(PREFIX.length), 'base64url') : Buffer.alloc(0);
    if (raw.length < 1 + IV_BYTES + TAG_BYTES || raw[0] !== VERSION) throw mismatch(runId, 'a sealed value in it is not in the format this worker writes');
    const iv = raw.subarray(1, 1 + IV_BYTES);
    const tag = raw.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(runId));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(raw.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw mismatch(runId, 'a secret in it was sealed under another key, or was altered in Redis');
    }
  }
}

/**
 * A key from its text, as `ARAZZO_SEAL_KEY` holds it: 32 bytes in base64 (44 characters, as
 * `openssl rand -base64 32` prints; base64url and unpadded accepted) or hex (64 digits). Throws
 * QUEUE_SEAL_KEY_INVALID naming `origin` and how to make one.
 */
export function parseSealKey(key: string | Uint8Array, origin = 'sealKey'): SealKey {
  if (typeof key !== 'string') {
    if (key.length !== KEY_BYTES) throw invalidKey(`it is ${key.length} bytes long, not ${KEY_BYTES}`, origin);
    return new SealKey(key);
  }
  const text = key.trim();
  let bytes: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(text)) bytes = Buffer.from(text, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) bytes = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes?.length !== KEY_BYTES) {
    throw invalidKey(
      text === '' ? 'it is empty' : `it is ${text.length} characters long, neither 44 characters of base64 nor 64 hex digits holding 32 bytes`,
      origin,
    );
  }
  return new SealKey(bytes);
}

function aad(runId: string): Buffer {
  return Buffer.from(`arazzo-seal:v${VERSION}:${runId}`, 'utf8');
}

function invalidKey(why: string, origin = 'sealKey'): ArazzoError {
  return new ArazzoError(
    'QUEUE_SEAL_KEY_INVALID',
    `The sealing key (${origin}) must be 32 random bytes, in base64 or hex: ${why}. Make one with: ${SEAL_KEY_HOWTO}`,
    {
      option: origin,
    },
  );
}

function mismatch(runId: string, why: string): ArazzoError {
  return new ArazzoError(
    'QUEUE_SEAL_KEY_MISMATCH',
    `The stored state of run ${runId} cannot be unsealed: ${why}. Give every worker of the queue the same ARAZZO_SEAL_KEY (sealKey) as the worker that stored it.`,
  );
}
