/** OpenAPI schema dialects as JSON Schema 2020-12: what each keyword means once translated and compiled. */
import { beforeAll, describe, expect, it } from 'vitest';
import { type Direction, type SchemaDialect, toJsonSchema } from '../src/contract/dialect.js';
import { boundedBacktracking, compileSchema, loadValidators } from '../src/contract/validator.js';

type Validators = Awaited<ReturnType<typeof loadValidators>>;
let v: Validators;
beforeAll(async () => {
  v = await loadValidators();
});

/** The rules a value breaks under a schema of a dialect, as [path, rule]. */
function broken(schema: unknown, value: unknown, dialect: SchemaDialect = '3.0', direction: Direction = 'response', root: Record<string, unknown> = {}) {
  const compiled = compileSchema(v, toJsonSchema(schema, { dialect, root }, direction));
  return (compiled.check(value) ?? []).map((x) => [x.path, x.rule]);
}

describe('OpenAPI 3.0 schemas', () => {
  it('nullable admits null beside the type, in an enum, and beside allOf without a type', () => {
    expect(broken({ type: 'string', nullable: true }, null)).toEqual([]);
    expect(broken({ type: 'string' }, null)).toEqual([['$', 'type']]);
    expect(broken({ type: 'string', enum: ['a', 'b'], nullable: true }, null)).toEqual([]);
    expect(broken({ type: 'string', enum: ['a', 'b'], nullable: true }, 'c')).toEqual([['$', 'enum']]);
    const ref = { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } };
    expect(broken({ nullable: true, allOf: [ref] }, null)).toEqual([]);
    expect(broken({ nullable: true, allOf: [ref] }, {})).toEqual([['$.id', 'required']]);
    expect(broken({ allOf: [ref] }, null)).toEqual([['$', 'type']]);
  });

  it('boolean exclusiveMinimum/exclusiveMaximum take the bound of minimum/maximum', () => {
    expect(broken({ type: 'number', minimum: 0, exclusiveMinimum: true }, 0)).toEqual([['$', 'exclusiveMinimum']]);
    expect(broken({ type: 'number', minimum: 0, exclusiveMinimum: false }, 0)).toEqual([]);
    expect(broken({ type: 'number', maximum: 10, exclusiveMaximum: true }, 10)).toEqual([['$', 'exclusiveMaximum']]);
  });

  it('readOnly is not required in a request, writeOnly not in a response', () => {
    const s = { type: 'object', required: ['id', 'secret', 'name'], properties: { id: { readOnly: true }, secret: { writeOnly: true }, name: {} } };
    expect(broken(s, { name: 'x', secret: 's' }, '3.0', 'request')).toEqual([]);
    expect(broken(s, { name: 'x', id: 1 }, '3.0', 'request')).toEqual([['$.secret', 'required']]);
    expect(broken(s, { name: 'x', id: 1 }, '3.0', 'response')).toEqual([]);
    expect(broken(s, { name: 'x', secret: 's' }, '3.0', 'response')).toEqual([['$.id', 'required']]);
    // Swagger 2.0 has readOnly only.
    expect(broken(s, { name: 'x', id: 1 }, '2.0', 'response')).toEqual([['$.secret', 'required']]);
  });

  it('a cyclic schema becomes $defs and is checked at any depth', () => {
    const node: Record<string, unknown> = { type: 'object', required: ['v'], properties: { v: { type: 'integer' } } };
    (node.properties as Record<string, unknown>).next = node;
    const translated = toJsonSchema(node, { dialect: '3.0', root: {} }, 'response') as Record<string, unknown>;
    expect(JSON.stringify(translated)).toContain('"$ref":"#/$defs/');
    expect(broken(node, { v: 1, next: { v: 2, next: { v: 3 } } })).toEqual([]);
    expect(broken(node, { v: 1, next: { v: 2, next: { v: 'x' } } })).toEqual([['$.next.next.v', 'type']]);
  });

  it('a schema reached many times is translated once', () => {
    const leaf = { type: 'object', properties: { a: { type: 'string' } } };
    let level: unknown = leaf;
    // Each level refers to the one below twice: written out in full that is 2^20 copies.
    for (let i = 0; i < 20; i++) level = { type: 'object', properties: { left: level, right: level } };
    const text = JSON.stringify(toJsonSchema(level, { dialect: '3.0', root: {} }, 'response'));
    expect(text.length).toBeLessThan(5000);
  });

  it('discriminator on a base schema (allOf inheritance) dispatches to the subtype named by the mapping or, unmapped, by its name', () => {
    const Pet: Record<string, unknown> = {
      type: 'object',
      required: ['petType'],
      properties: { petType: { type: 'string' } },
      discriminator: { propertyName: 'petType', mapping: { kitty: '#/components/schemas/Cat' } },
    };
    const Cat = { allOf: [Pet, { type: 'object', required: ['meows'], properties: { meows: { type: 'boolean' } } }] };
    const Dog = { allOf: [Pet, { type: 'object', required: ['barks'], properties: { barks: { type: 'boolean' } } }] };
    const root = { components: { schemas: { Pet, Cat, Dog } } };
    expect(broken(Pet, { petType: 'kitty', meows: true }, '3.0', 'response', root)).toEqual([]);
    expect(broken(Pet, { petType: 'kitty' }, '3.0', 'response', root)).toEqual([['$.meows', 'required']]);
    // "the discriminator value of dog will map to the schema Dog, rather than the default (implicit) value of Dog" (3.0.3)
    expect(broken(Pet, { petType: 'Cat', meows: true }, '3.0', 'response', root)).toEqual([['$.petType', 'enum']]);
    expect(broken(Pet, { petType: 'Dog', meows: true }, '3.0', 'response', root)).toEqual([['$.barks', 'required']]);
    expect(broken(Pet, { petType: 'Pet' }, '3.0', 'response', root)).toEqual([]);
    expect(broken(Pet, { petType: 'Cow' }, '3.0', 'response', root)).toEqual([['$.petType', 'enum']]);
    // Validating a subtype checks the base's own rules without dispatching again.
    expect(broken(Cat, { petType: 'Cat', meows: true }, '3.0', 'response', root)).toEqual([]);
    expect(broken(Cat, { meows: true }, '3.0', 'response', root)).toEqual([['$.petType', 'required']]);
  });

  it('discriminator with oneOf: members alike in shape are told apart by the property', () => {
    const A = { type: 'object', properties: { kind: { type: 'string' }, n: { type: 'integer' } } };
    const B = { type: 'object', properties: { kind: { type: 'string' }, n: { type: 'integer' } } };
    const root = { components: { schemas: { A, B } } };
    const schema = { oneOf: [A, B], discriminator: { propertyName: 'kind' } };
    // Plain oneOf refuses a value both members accept; the discriminator picks one.
    expect(broken({ oneOf: [A, B] }, { kind: 'A', n: 1 }, '3.0', 'response', root)).toEqual([['$', 'oneOf']]);
    expect(broken(schema, { kind: 'A', n: 1 }, '3.0', 'response', root)).toEqual([]);
    expect(broken(schema, { kind: 'B', n: 'x' }, '3.0', 'response', root)).toEqual([['$.n', 'type']]);
    expect(broken(schema, 'text', '3.0', 'response', root)).toEqual([['$', 'type']]);
    // Inline members have no name: the discriminator cannot tell them apart, oneOf stays.
    expect(broken({ oneOf: [{ ...A }, { ...B }], discriminator: { propertyName: 'kind' } }, { kind: 'A', n: 1 }, '3.0', 'response', root)).toEqual([
      ['$', 'oneOf'],
    ]);
  });

  it('OpenAPI formats: int32 bounds, byte is base64', () => {
    expect(broken({ type: 'integer', format: 'int32' }, 2 ** 31)).toEqual([['$', 'format']]);
    expect(broken({ type: 'integer', format: 'int32' }, -(2 ** 31))).toEqual([]);
    expect(broken({ type: 'string', format: 'byte' }, 'aGk=')).toEqual([]);
    expect(broken({ type: 'string', format: 'byte' }, 'not base64!')).toEqual([['$', 'format']]);
    expect(broken({ type: 'string', format: 'made-up' }, 'anything')).toEqual([]);
  });

  it('annotations (example, xml, x-…) are not keywords', () => {
    expect(broken({ type: 'object', example: { a: 1 }, xml: { name: 'p' }, 'x-internal': true }, {})).toEqual([]);
  });
});

describe('OpenAPI 3.1 and Swagger 2.0 schemas', () => {
  it('3.1: nullable is not a keyword; type lists and numeric exclusiveMinimum are', () => {
    expect(broken({ type: 'string', nullable: true }, null, '3.1')).toEqual([['$', 'type']]);
    expect(broken({ type: ['string', 'null'] }, null, '3.1')).toEqual([]);
    expect(broken({ type: 'number', exclusiveMinimum: 0 }, 0, '3.1')).toEqual([['$', 'exclusiveMinimum']]);
    expect(broken({ const: 'a' }, 'b', '3.1')).toEqual([['$', 'const']]);
  });

  it('2.0: x-nullable admits null; type file accepts anything; the discriminator is a property name', () => {
    expect(broken({ type: 'string', 'x-nullable': true }, null, '2.0')).toEqual([]);
    expect(broken({ type: 'file' }, 'bytes', '2.0')).toEqual([]);
    const Pet: Record<string, unknown> = { type: 'object', required: ['t'], discriminator: 't', properties: { t: { type: 'string' } } };
    const Cat = { allOf: [Pet, { required: ['c'] }] };
    const root = { definitions: { Pet, Cat } };
    expect(broken(Pet, { t: 'Cat' }, '2.0', 'response', root)).toEqual([['$.c', 'required']]);
    expect(broken(Pet, { t: 'Cat', c: 1 }, '2.0', 'response', root)).toEqual([]);
  });

  it('a pattern RE2 cannot run is reported, not checked; others run on RE2', () => {
    const compiled = compileSchema(v, { type: 'string', pattern: '^(?=a)a+$' });
    expect(compiled.uncheckedPatterns).toEqual(['^(?=a)a+$']);
    expect(compiled.check('bbb')).toBeUndefined();
    const linear = compileSchema(v, { type: 'string', pattern: '^(a+)+$' });
    expect(linear.uncheckedPatterns).toEqual([]);
    // The classic catastrophic-backtracking input is answered at once by RE2.
    expect(linear.check(`${'a'.repeat(5000)}b`)?.[0]?.rule).toBe('pattern');
  });

  it('violations are bounded: five per value, values cut', () => {
    const many = compileSchema(v, { type: 'array', items: { type: 'integer' } });
    expect(many.check(Array.from({ length: 50 }, () => 'x'))).toHaveLength(5);
    const long = compileSchema(v, { type: 'integer' });
    expect(long.check('y'.repeat(10_000))?.[0]?.value?.length).toBeLessThan(200);
  });

  it('only patterns whose backtracking is bounded by their shape may run on the native engine (short strings)', () => {
    for (const p of ['^sku-[0-9]+$', '^[A-Z]{3}$', '^\\d{4}-\\d{2}-\\d{2}$', '^[a-z0-9._-]+$', '^(?:v)\\d+$', '^[^\\]]+$', '^\\p{L}+$']) {
      expect([p, boundedBacktracking(p)]).toEqual([p, true]);
    }
    const risky = [
      '^(a+)+$', // a quantified group
      '^(a|aa)*$', // alternation
      '^a*a*$', // two unbounded quantifiers
      '^[^@]+@[^@]+$',
      'a+$', // not anchored at the start
      '^a+', // not anchored at the end
      '^\\d{1,20}\\d{1,20}$', // 400 ways to split
      '^(?=a)a+$', // lookahead
      '^(a)\\1+$', // backreference
      '^a?a?a?a?a?a?a?$', // 128 ways
    ];
    for (const p of risky) expect([p, boundedBacktracking(p)]).toEqual([p, false]);
  });

  it('a pattern gives the same answers on both engines, at any length', () => {
    const c = compileSchema(v, { type: 'string', pattern: '^sku-[0-9]+$' });
    expect(c.check('sku-12')).toBeUndefined();
    expect(c.check('sku-1x')?.[0]?.rule).toBe('pattern');
    expect(c.check(`sku-${'1'.repeat(5000)}`)).toBeUndefined();
    expect(c.check(`sku-${'1'.repeat(5000)}x`)?.[0]?.rule).toBe('pattern');
  });

  it('text values (parameters, headers) are read as the server reads them; a text found valid is not validated again, an invalid one always is', () => {
    const c = compileSchema(v, { type: 'integer', maximum: 10 }, true);
    expect(c.check('5')).toBeUndefined();
    expect(c.check('5')).toBeUndefined();
    expect(c.check('11')?.[0]?.rule).toBe('maximum');
    expect(c.check('11')?.[0]?.rule).toBe('maximum');
    expect(c.check('x')?.[0]?.rule).toBe('type');
    expect(c.check('5')).toBeUndefined();
  });
});
