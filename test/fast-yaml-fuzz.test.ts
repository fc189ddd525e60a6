/**
 * Differential fuzzing of the fast YAML/JSON readers against the `yaml` package. The fast readers
 * may decline a text (return undefined, so the caller falls back to `yaml`) but must never return
 * different data. Documents are generated from a fixed seed, so a failure is reproducible.
 */
import { describe, expect, it } from 'vitest';
import { parse, stringify, type ToStringOptions } from 'yaml';
import { fastParseJson, fastParseYaml } from '../src/document/fast-yaml.js';

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Fragments chosen to hit YAML's sharp edges: indicators, comment and mapping markers inside
// scalars, core-schema look-alikes (numbers, booleans, null in several spellings), YAML 1.1-only
// booleans, quotes, unicode, runtime expressions and JSONPath as the workflows use them.
const FRAGMENTS = [
  'a',
  'name',
  'x-delay',
  '$inputs.token',
  '$response.body#/status/state',
  "$.status.state == 'pending'",
  ':',
  ': ',
  ' #',
  '#',
  '- ',
  '-',
  '?',
  ',',
  '[',
  ']',
  '{',
  '}',
  '&a',
  '*a',
  '!tag',
  '|',
  '>',
  '%',
  '@',
  '`',
  "'",
  '"',
  "''",
  '\\',
  '\\n',
  ' ',
  '  ',
  '\t',
  'true',
  'True',
  'FALSE',
  'yes',
  'no',
  'on',
  'off',
  'null',
  '~',
  'Null',
  '0',
  '007',
  '-1',
  '+1',
  '1.5',
  '.5',
  '1.',
  '1e3',
  '0x1F',
  '0o17',
  '.inf',
  '-.Inf',
  '.nan',
  '12:30',
  '2024-05-29',
  'é',
  '日本',
  '😀',
  'http://x/y?a=b#c',
  '{$inputs.a}',
  'Bearer $inputs.hfToken',
  '<a/>',
  '---',
  '...',
  '=',
];

function randomString(r: () => number): string {
  const n = Math.floor(r() * 4);
  let s = '';
  for (let i = 0; i < n; i++) s += FRAGMENTS[Math.floor(r() * FRAGMENTS.length)];
  return s;
}

function randomValue(r: () => number, depth: number): unknown {
  const k = r();
  if (depth <= 0 || k < 0.45) {
    const s = r();
    if (s < 0.55) return randomString(r);
    if (s < 0.7) return Math.floor(r() * 2000) - 1000;
    if (s < 0.8) return Math.round(r() * 1e6) / 1e3;
    if (s < 0.9) return r() < 0.5;
    return null;
  }
  if (k < 0.7) return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth - 1));
  const obj: Record<string, unknown> = {};
  const n = Math.floor(r() * 5);
  for (let i = 0; i < n; i++) obj[randomString(r) || `k${i}`] = randomValue(r, depth - 1);
  return obj;
}

const STYLES: ToStringOptions[] = [
  {},
  { lineWidth: 0 },
  { lineWidth: 20, minContentWidth: 0 },
  { defaultStringType: 'QUOTE_SINGLE' },
  { defaultStringType: 'QUOTE_DOUBLE' },
  { defaultStringType: 'BLOCK_LITERAL' },
  { defaultStringType: 'BLOCK_FOLDED' },
  { collectionStyle: 'flow' },
  { indent: 4, indentSeq: false },
  { defaultKeyType: 'PLAIN', nullStr: '~', trueStr: 'True' },
];

describe('fast YAML/JSON readers agree with the yaml package', () => {
  it('on thousands of generated documents, in every serialisation style', () => {
    const r = prng(20261122);
    let accepted = 0;
    let total = 0;
    for (let i = 0; i < 800; i++) {
      const value = { root: randomValue(r, 4), list: [randomValue(r, 3)] };
      for (const style of STYLES) {
        const text = stringify(value, style);
        const expected = parse(text) as unknown;
        const fast = fastParseYaml(text);
        total++;
        if (fast !== undefined) {
          accepted++;
          expect({ text, data: fast.data }).toEqual({ text, data: expected });
        }
      }
      const json = JSON.stringify(value, null, i % 2 === 0 ? 2 : 0);
      const fastJson = fastParseJson(json);
      if (fastJson !== undefined) expect({ json, data: fastJson.data }).toEqual({ json, data: JSON.parse(json) as unknown });
    }
    // The fast path must be worth having: it takes a good share of ordinary documents.
    expect(accepted / total).toBeGreaterThan(0.2);
  });

  it('on hand-picked tricky lines', () => {
    const cases = [
      'a: b #c\n',
      'a: b#c\n',
      "a: 'it''s'\n",
      'a: "x\\ty"\n',
      'a: x: y\n',
      '- - a\n  - b\n',
      'a:\n- 1\n- 2\n',
      'a: |\n  x\n\n  y\n',
      'a: >-\n  x\n  y\n',
      'a: |+\n  x\n\n',
      '"a b": 1\n',
      "'k': v\n",
      'a: [1, "2", x]\n',
      'a: {b: 1, c: [d]}\n',
      'a: 0o17\n',
      'a: 0x1F\n',
      'a: 1_000\n',
      'a: +.5\n',
      'a: -0\n',
      'a: 2024-05-29\n',
      'a: yes\n',
      'a: .NaN\n',
      'a:    \n',
      'a: "\\u00e9"\n',
      "a: ''\n",
      '? a\n: b\n',
      'a: &x 1\nb: *x\n',
      'a: !!str 1\n',
      'a: b\r\nc: d\r\n',
      'a: "multi\n  line"\n',
      'a: plain\n  continued\n',
      'a: [1,\n  2]\n',
      '%YAML 1.2\n---\na: 1\n',
    ];
    for (const text of cases) {
      let expected: unknown;
      try {
        expected = parse(text) as unknown;
      } catch {
        // yaml rejects it: the fast reader must not accept it either.
        expect({ text, fast: fastParseYaml(text) }).toEqual({ text, fast: undefined });
        continue;
      }
      const fast = fastParseYaml(text);
      if (fast !== undefined) expect({ text, data: fast.data }).toEqual({ text, data: expected });
    }
  });
});
