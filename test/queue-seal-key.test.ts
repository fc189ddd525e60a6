/**
 * Secrets a run obtains at run time, sealed under the workers' key (src/queue/seal-key.ts): the
 * sealed state holds none of their forms, unsealing with the key gives back the exact state, and a
 * wrong key, another run or an altered value is a clear error, never garbage. Pure: no Redis.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encode } from '../src/engine/serialize.js';
import { isSealedReference, parseSealKey, SealKey } from '../src/queue/seal-key.js';
import { seal, sealedPath, sealedReferences, type SecretValue, unseal } from '../src/queue/seal.js';
import { checkReference } from '../src/queue/secrets.js';
import { runCli } from './cli-helpers.js';

const OBTAINED = 'eyJhbGciOi.obtained*login(token)!';
const SUBMITTED: SecretValue = { ref: 'env:HF_TOKEN', value: 'hf_submitted_token_1' };
const RUN = 'run-42';

function formsOf(value: string): string[] {
  const b64 = Buffer.from(value).toString('base64');
  return [
    value,
    b64,
    b64.replace(/=+$/, ''),
    encodeURIComponent(value),
    encode(value),
    encode(value, true),
    new URLSearchParams({ v: value }).toString().slice(2),
  ];
}

/** Seal as a worker does: the obtained value under its `sealed:` reference next to the submitted one. */
function sealWith(key: SealKey, state: unknown): unknown {
  return JSON.parse(JSON.stringify(seal(state, [SUBMITTED, { ref: key.seal(OBTAINED, RUN), value: OBTAINED }])));
}

/** Unseal as a worker does: every `sealed:` reference opened with the key. */
function unsealWith(key: SealKey, stored: unknown, runId = RUN): unknown {
  const opened = [...sealedReferences(stored)].filter(isSealedReference).map((ref) => ({ ref, value: key.open(ref, runId) }));
  return unseal(stored, [SUBMITTED, ...opened]);
}

const state = {
  frames: [
    {
      wf: 'login-and-use',
      inputs: { hfToken: SUBMITTED.value },
      steps: {
        login: { accessToken: OBTAINED, expires: 3600 },
        use: { url: `https://api.example/x?t=${encodeURIComponent(OBTAINED)}`, auth: `Bearer ${OBTAINED}`, basic: Buffer.from(OBTAINED).toString('base64') },
      },
    },
  ],
  [`key-${OBTAINED}`]: [OBTAINED, `${SUBMITTED.value}:${OBTAINED}`],
};

describe('the sealing key', () => {
  const key = new SealKey(randomBytes(32));

  it('seals an obtained secret encrypted in every form the sealer handles, and unseals the exact state', () => {
    const stored = sealWith(key, state);
    const text = JSON.stringify(stored);
    for (const form of [...formsOf(OBTAINED), ...formsOf(SUBMITTED.value)]) expect(text, form).not.toContain(form);
    expect(text).toContain('env:HF_TOKEN');
    expect([...sealedReferences(stored)].filter(isSealedReference)).toHaveLength(1);
    expect(unsealWith(key, stored)).toEqual(state);
  });

  it('encrypts with a fresh IV each time: the same value sealed twice reads differently, and both open', () => {
    const a = key.seal(OBTAINED, RUN);
    const b = key.seal(OBTAINED, RUN);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^sealed:[A-Za-z0-9_-]+$/);
    expect([key.open(a, RUN), key.open(b, RUN)]).toEqual([OBTAINED, OBTAINED]);
    expect(key.open(key.seal('', RUN), RUN)).toBe('');
    expect(key.open(key.seal('é ☃ 𝄞', RUN), RUN)).toBe('é ☃ 𝄞');
  });

  it('detects tampering, another key and another run: QUEUE_SEAL_KEY_MISMATCH, never garbage', () => {
    const ref = key.seal(OBTAINED, RUN);
    const raw = Buffer.from(ref.slice('sealed:'.length), 'base64url');
    const mismatch = expect.objectContaining({ code: 'QUEUE_SEAL_KEY_MISMATCH', message: expect.stringContaining('ARAZZO_SEAL_KEY') });
    // Every single bit flipped anywhere (IV, tag or ciphertext) is caught.
    for (let i = 1; i < raw.length; i++) {
      const altered = Buffer.from(raw);
      altered[i] = (altered[i] as number) ^ 0x01;
      expect(() => key.open(`sealed:${altered.toString('base64url')}`, RUN), `byte ${i}`).toThrow(mismatch);
    }
    expect(() => key.open(`sealed:${raw.subarray(0, raw.length - 1).toString('base64url')}`, RUN)).toThrow(mismatch);
    expect(() => key.open('sealed:AQ', RUN)).toThrow(mismatch);
    expect(() => new SealKey(randomBytes(32)).open(ref, RUN)).toThrow(mismatch);
    expect(() => key.open(ref, 'another-run')).toThrow(mismatch);
    // Through the state: a stored state altered in Redis does not unseal.
    const stored = JSON.stringify(sealWith(key, state));
    const sealedRef = /sealed:[A-Za-z0-9_-]+/.exec(stored)?.[0] as string;
    // A character in the middle (all of its bits count; the last one's low bits may not).
    const at = 'sealed:'.length + 20;
    const altered = sealedRef.slice(0, at) + (sealedRef[at] === 'A' ? 'B' : 'A') + sealedRef.slice(at + 1);
    expect(() => unsealWith(key, JSON.parse(stored.replaceAll(sealedRef, altered)))).toThrow(mismatch);
  });

  it('reads a key as base64 (what openssl rand -base64 32 prints), base64url or hex, and refuses anything else naming the fix', () => {
    const bytes = randomBytes(32);
    const reference = new SealKey(bytes).seal(OBTAINED, RUN);
    for (const text of [
      bytes.toString('base64'),
      bytes.toString('base64url'),
      bytes.toString('hex'),
      bytes.toString('hex').toUpperCase(),
      ` ${bytes.toString('base64')}\n`,
    ]) {
      expect(parseSealKey(text).open(reference, RUN), text).toBe(OBTAINED);
    }
    expect(parseSealKey(bytes).open(reference, RUN)).toBe(OBTAINED);
    for (const bad of ['', 'secret', randomBytes(16).toString('base64'), randomBytes(31).toString('hex'), `${bytes.toString('base64').slice(0, -2)}!=`]) {
      expect(() => parseSealKey(bad, 'ARAZZO_SEAL_KEY'), JSON.stringify(bad)).toThrow(
        expect.objectContaining({ code: 'QUEUE_SEAL_KEY_INVALID', message: expect.stringMatching(/ARAZZO_SEAL_KEY.*openssl rand -base64 32/) }),
      );
    }
    expect(() => parseSealKey(randomBytes(16))).toThrow(expect.objectContaining({ code: 'QUEUE_SEAL_KEY_INVALID' }));
  });

  it('finds where an obtained secret sits in a sealed state, keys included', () => {
    const stored = seal(state, [SUBMITTED, { ref: 'mark:1', value: OBTAINED }]);
    expect(sealedPath(stored, (ref) => ref === 'mark:1')).toEqual(['frames', 0, 'steps', 'login', 'accessToken']);
    expect(sealedPath(seal({ a: 1, [`k${OBTAINED}`]: 2 }, [{ ref: 'mark:1', value: OBTAINED }]), (ref) => ref === 'mark:1')).toEqual(['***']);
    expect(sealedPath(stored, (ref) => ref === 'mark:2')).toBeUndefined();
  });

  it('keeps the sealed: scheme for the workers: a run cannot be submitted with a sealed: reference', () => {
    expect(() => checkReference('token', 'sealed:AQID')).toThrow(expect.objectContaining({ code: 'QUEUE_SECRET_REFERENCE_INVALID' }));
    expect(checkReference('token', 'vault:kv/x#y')).toBe('vault:kv/x#y');
  });

  it('arazzo worker refuses a malformed ARAZZO_SEAL_KEY at start, before it connects to Redis (exit 2)', async () => {
    const run = await runCli(['worker', '--redis', 'redis://127.0.0.1:1'], { env: { ARAZZO_SEAL_KEY: 'not-a-key' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('QUEUE_SEAL_KEY_INVALID');
    expect(run.stderr).toContain('openssl rand -base64 32');
  });
});
