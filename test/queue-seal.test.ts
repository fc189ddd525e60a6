/**
 * Sealing run states for Redis (src/queue/seal.ts): what is stored holds references, never a
 * secret in any form the engine sends it in, and unsealing gives back exactly the state that was
 * sealed. Pure functions: no Redis needed.
 */
import { describe, expect, it } from 'vitest';
import { seal, sealedReferences, type SecretValue, unseal } from '../src/queue/seal.js';
import { encode } from '../src/engine/serialize.js';

const TOKEN = "hf_s3cret*tok(en)'x!";
const secrets: SecretValue[] = [
  { ref: 'env:HF_TOKEN', value: TOKEN },
  { ref: 'env:ES_KEY', value: 'es-key-123' },
];

/** Every form a secret must never be stored in. */
function forms(value: string): string[] {
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

describe('seal', () => {
  it('replaces a secret in every encoding, inside strings, keys and arrays, and unseal restores the exact value', () => {
    const state = {
      frames: [
        {
          inputs: { hfToken: TOKEN, name: 'demo', count: 3 },
          steps: {
            create: {
              header: `Bearer ${TOKEN}`,
              url: `https://h.example/x?token=${encodeURIComponent(TOKEN)}&k=${encode('es-key-123')}`,
              basic: Buffer.from(TOKEN).toString('base64'),
              form: `a=1&t=${new URLSearchParams({ v: TOKEN }).toString().slice(2)}`,
              list: [TOKEN, 'plain', null, true, 1.5],
            },
          },
        },
      ],
      [`key-${TOKEN}`]: { nested: TOKEN },
    };
    const sealed = seal(state, secrets);
    const text = JSON.stringify(sealed);
    for (const s of secrets) for (const f of forms(s.value)) expect(text, f).not.toContain(f);
    expect(text).toContain('env:HF_TOKEN');
    expect(sealedReferences(sealed)).toEqual(new Set(['env:HF_TOKEN', 'env:ES_KEY']));
    expect(unseal(JSON.parse(text), secrets)).toEqual(state);
  });

  it('gives back data that happens to look like a placeholder as it was', () => {
    const state = {
      a: { '$arazzo.secret': ['x', ['env:HF_TOKEN', 'raw'], 'y'] },
      b: { '$arazzo.object': [['k', 1]] },
      c: [{ '$arazzo.secret': 'not a list' }],
      d: TOKEN,
    };
    const back = unseal(JSON.parse(JSON.stringify(seal(state, secrets))), secrets);
    expect(back).toEqual(state);
  });

  it('keeps a __proto__ member a plain member, never the prototype', () => {
    const state = JSON.parse(`{"__proto__": {"polluted": "${TOKEN}"}, "x": 1}`) as Record<string, unknown>;
    const back = unseal(JSON.parse(JSON.stringify(seal(state, secrets))), secrets) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(['__proto__', 'x']);
    expect(JSON.stringify(back)).toBe(JSON.stringify(state));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('seals a numeric secret held as a number', () => {
    const state = { pin: 4815162342, other: 42 };
    const pin: SecretValue[] = [{ ref: 'env:PIN', value: '4815162342' }];
    const sealed = seal(state, pin);
    expect(JSON.stringify(sealed)).not.toContain('4815162342');
    expect(unseal(sealed, pin)).toEqual(state);
  });

  it('walks a value nested 100,000 levels deep without recursion', () => {
    let deep: unknown = TOKEN;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const sealed = seal(deep, secrets);
    let inner = sealed;
    for (let i = 0; i < 100_000; i++) inner = (inner as unknown[])[0];
    expect(inner).toEqual({ '$arazzo.secret': ['', ['env:HF_TOKEN', 'raw'], ''] });
    let back = unseal(sealed, secrets);
    for (let i = 0; i < 100_000; i++) back = (back as unknown[])[0];
    expect(back).toBe(TOKEN);
  });

  it('leaves a state without secrets as it is, and refuses to unseal without the secret', () => {
    const state = { a: 'no secret here' };
    expect(seal(state, [])).toBe(state);
    const sealed = seal({ t: TOKEN }, secrets);
    expect(() => unseal(sealed, [])).toThrow(expect.objectContaining({ code: 'QUEUE_SECRET_UNRESOLVED' }));
  });
});
