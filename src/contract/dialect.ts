/**
 * OpenAPI schemas as JSON Schema 2020-12, the one dialect the validator compiles.
 *
 * - OpenAPI 3.1: the Schema Object is JSON Schema 2020-12 already; only `discriminator` (an
 *   OpenAPI keyword) is given its meaning.
 * - OpenAPI 3.0 and Swagger 2.0: the Schema Object is an extended subset of JSON Schema draft 4.
 *   `nullable: true` (3.0) and `x-nullable: true` (2.0) admit null; boolean `exclusiveMinimum` /
 *   `exclusiveMaximum` become the numeric form; `type: file` (2.0) accepts anything; a `readOnly`
 *   property is not required in a request and a `writeOnly` one (3.0) not in a response;
 *   annotation keywords (`xml`, `example`, `externalDocs`, `x-…`) are dropped.
 * - `discriminator` (all versions): the value of the property names the one schema the object is
 *   validated against, through `mapping` or the component's name; an unknown value is refused. Both
 *   forms are handled: `oneOf`/`anyOf` with a discriminator, and a base schema whose subtypes
 *   `allOf` it.
 *
 * Sources are dereferenced into object graphs, possibly cyclic, in which one schema object may be
 * reached many times. Every schema object reached more than once becomes one `$defs` entry, so the
 * result is a tree of the same size as the description, and cycles become `$ref`s.
 */

type Obj = Record<string, unknown>;

export type SchemaDialect = '2.0' | '3.0' | '3.1';

/** `request`: readOnly properties are not required; `response`: writeOnly ones are not (3.0, 2.0). */
export type Direction = 'request' | 'response';

/** What a translation needs from the description: its version, and the root to resolve discriminator mappings. */
export interface DialectContext {
  readonly dialect: SchemaDialect;
  /** The dereferenced description (components / definitions by name). */
  readonly root: Obj;
}

/** The dialect of a source's `specVersion` ('2.0', '3.0.3', '3.1.0', '3.2.0'). */
export function dialectOf(specVersion: string): SchemaDialect {
  if (specVersion.startsWith('2')) return '2.0';
  if (/^3\.0(\.|$)/.test(specVersion)) return '3.0';
  return '3.1';
}

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Keywords whose value is a schema. */
const SCHEMA_KEYS = [
  'additionalProperties',
  'not',
  'if',
  'then',
  'else',
  'contains',
  'propertyNames',
  'additionalItems',
  'unevaluatedItems',
  'unevaluatedProperties',
  'contentSchema',
] as const;
/** Keywords whose value maps names to schemas. */
const SCHEMA_MAP_KEYS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'] as const;
/** Keywords whose value is a list of schemas. */
const SCHEMA_LIST_KEYS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'] as const;
/** OpenAPI annotations with no meaning for validation, dropped from 2.0 / 3.0 schemas. */
const ANNOTATIONS = new Set(['xml', 'example', 'externalDocs', 'nullable', 'x-nullable', 'discriminator', 'deprecated']);

/** Every schema directly inside `schema` (items in both its forms). */
function childSchemas(schema: Obj): unknown[] {
  const out: unknown[] = [];
  for (const k of SCHEMA_KEYS) if (schema[k] !== undefined) out.push(schema[k]);
  for (const k of SCHEMA_MAP_KEYS) if (isObj(schema[k])) out.push(...Object.values(schema[k] as Obj));
  for (const k of SCHEMA_LIST_KEYS) if (Array.isArray(schema[k])) out.push(...(schema[k] as unknown[]));
  if (Array.isArray(schema.items)) out.push(...schema.items);
  else if (schema.items !== undefined) out.push(schema.items);
  return out;
}

/** Component schemas by name, and names by schema object: what implicit discriminator values refer to. */
interface Components {
  readonly byName: ReadonlyMap<string, Obj>;
  readonly nameOf: ReadonlyMap<Obj, string>;
  /** Schemas that `allOf` a given base schema (subtypes), with their names. */
  readonly subtypes: ReadonlyMap<Obj, ReadonlyArray<readonly [string, Obj]>>;
}

const componentsCache = new WeakMap<Obj, Components>();

function componentsOf(ctx: DialectContext): Components {
  const hit = componentsCache.get(ctx.root);
  if (hit) return hit;
  const table = ctx.dialect === '2.0' ? ctx.root.definitions : isObj(ctx.root.components) ? (ctx.root.components as Obj).schemas : undefined;
  const byName = new Map<string, Obj>();
  const nameOf = new Map<Obj, string>();
  const subtypes = new Map<Obj, Array<readonly [string, Obj]>>();
  if (isObj(table)) {
    for (const [name, s] of Object.entries(table)) {
      if (!isObj(s)) continue;
      byName.set(name, s);
      if (!nameOf.has(s)) nameOf.set(s, name);
    }
    for (const [name, s] of byName) {
      if (!Array.isArray(s.allOf)) continue;
      for (const parent of s.allOf) {
        if (!isObj(parent) || !discriminatorOf(parent)) continue;
        let list = subtypes.get(parent);
        if (!list) subtypes.set(parent, (list = []));
        list.push([name, s]);
      }
    }
  }
  const result = { byName, nameOf, subtypes };
  componentsCache.set(ctx.root, result);
  return result;
}

/** A discriminator mapping value: `#/components/schemas/Cat`, `#/definitions/Cat`, or a bare name. */
function mappedSchema(ref: string, comps: Components): Obj | undefined {
  const name = ref.startsWith('#')
    ? ref
        .slice(ref.lastIndexOf('/') + 1)
        .replace(/~1/g, '/')
        .replace(/~0/g, '~')
    : ref;
  return comps.byName.get(name);
}

/**
 * The JSON Schema 2020-12 form of an OpenAPI schema, as one self-contained root (with `$defs`).
 * Never throws for odd input: what is not a schema object passes through as written.
 */
export function toJsonSchema(schema: unknown, ctx: DialectContext, direction: Direction): unknown {
  if (!isObj(schema)) return schema;
  return new Translator(ctx, direction).root(schema);
}

class Translator {
  private readonly comps: Components;
  /** Objects reached more than once (or on a cycle): each becomes a `$defs` entry. */
  private readonly shared = new Map<Obj, string>();
  private readonly defs: Obj = {};
  private readonly legacy: boolean;

  constructor(
    private readonly ctx: DialectContext,
    private readonly direction: Direction,
  ) {
    this.comps = componentsOf(ctx);
    this.legacy = ctx.dialect !== '3.1';
  }

  root(schema: Obj): Obj {
    this.findShared(schema);
    const body = this.schema(schema, false);
    if (Object.keys(this.defs).length === 0) return body as Obj;
    // `$ref` beside other keywords is fine in 2020-12; keep the root's own `$defs` if it has some.
    return { ...(body as Obj), $defs: { ...(isObj((body as Obj).$defs) ? ((body as Obj).$defs as Obj) : {}), ...this.defs } };
  }

  /** Count how often each schema object is reached, without following one twice. */
  private findShared(root: Obj): void {
    const seen = new Set<Obj>();
    const pending: unknown[] = [root];
    const mark = (o: Obj): void => {
      if (!this.shared.has(o)) this.shared.set(o, `s${this.shared.size}`);
    };
    while (pending.length > 0) {
      const s = pending.pop();
      if (!isObj(s)) continue;
      if (seen.has(s)) {
        mark(s);
        continue;
      }
      seen.add(s);
      pending.push(...childSchemas(s));
      // Discriminated subtypes are reached through the dispatch this translation adds.
      const d = discriminatorOf(s);
      if (d) for (const [, sub] of this.dispatchTargets(s, d)) pending.push(sub);
    }
    // The root is written in place, so a reference back to it needs a definition too.
  }

  /** A reference to a shared schema (translated once), or the translation in place. */
  private schema(s: unknown, noDispatch: boolean): unknown {
    if (!isObj(s)) return s;
    const id = this.shared.get(s);
    if (id === undefined) return this.translate(s, noDispatch);
    const key = noDispatch ? `${id}b` : id;
    if (!(key in this.defs)) {
      this.defs[key] = true; // placeholder while translating: a cycle refers to it by name
      this.defs[key] = this.translate(s, noDispatch);
    }
    return { $ref: `#/$defs/${key}` };
  }

  private translate(s: Obj, noDispatch: boolean): Obj {
    const out: Obj = {};
    for (const [k, v] of Object.entries(s)) {
      if (this.legacy && (ANNOTATIONS.has(k) || k.startsWith('x-'))) continue;
      // ajv reads `nullable` as OpenAPI 3.0 does; in 3.1 it is no keyword, so it must not count.
      if (k === 'discriminator' || k === 'nullable' || k === '$ref' || k === '$id' || k === '$schema' || k === '$anchor' || k === '$dynamicAnchor') continue;
      if ((SCHEMA_KEYS as readonly string[]).includes(k)) out[k] = this.schema(v, false);
      else if ((SCHEMA_MAP_KEYS as readonly string[]).includes(k) && isObj(v)) {
        const m: Obj = {};
        for (const [name, sub] of Object.entries(v)) m[name] = this.schema(sub, false);
        out[k === 'definitions' ? '$defs' : k] = m;
      } else if (k === 'allOf' && Array.isArray(v)) {
        // A subtype's allOf names its base: validate the base's own rules, not its dispatch again.
        out[k] = v.map((sub) => this.schema(sub, isObj(sub) && discriminatorOf(sub) !== undefined));
      } else if ((SCHEMA_LIST_KEYS as readonly string[]).includes(k) && Array.isArray(v)) out[k] = v.map((sub) => this.schema(sub, false));
      else if (k === 'items') {
        if (Array.isArray(v)) out.prefixItems = v.map((sub) => this.schema(sub, false));
        else out.items = this.schema(v, false);
      } else out[k] = v;
    }
    if (this.legacy) this.legacyRules(s, out);
    const d = noDispatch ? undefined : discriminatorOf(s);
    if (d) this.dispatch(s, d, out);
    return out;
  }

  /** 2.0 / 3.0 keywords with another meaning in 2020-12. */
  private legacyRules(s: Obj, out: Obj): void {
    for (const [flag, bound] of [
      ['exclusiveMinimum', 'minimum'],
      ['exclusiveMaximum', 'maximum'],
    ] as const) {
      if (typeof s[flag] !== 'boolean') continue;
      delete out[flag];
      if (s[flag] === true && typeof s[bound] === 'number') {
        out[flag] = s[bound];
        delete out[bound];
      }
    }
    if (out.type === 'file') delete out.type;
    // 2.0 and 3.0 have no tuple form; `items: [..]` above is for odd input only.
    if (Array.isArray(s.required)) {
      const skip = this.direction === 'request' ? 'readOnly' : this.dialect3() ? 'writeOnly' : undefined;
      const props = isObj(s.properties) ? (s.properties as Obj) : {};
      if (skip) {
        const kept = (s.required as unknown[]).filter((name) => !(typeof name === 'string' && isObj(props[name]) && (props[name] as Obj)[skip] === true));
        if (kept.length === 0) delete out.required;
        else out.required = kept;
      }
    }
    if (s.nullable === true || s['x-nullable'] === true) this.admitNull(out);
  }

  private dialect3(): boolean {
    return this.ctx.dialect === '3.0';
  }

  /**
   * `nullable: true` admits null: added to `type` and to an `enum`; a schema without `type`
   * (the `nullable` + `allOf: [$ref]` idiom) admits null beside whatever else it admits.
   */
  private admitNull(out: Obj): void {
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
      return;
    }
    if (Array.isArray(out.type)) {
      if (!out.type.includes('null')) out.type = [...out.type, 'null'];
      return;
    }
    const rest: Obj = {};
    for (const k of Object.keys(out)) {
      if (k === 'enum' || k === '$defs') continue;
      rest[k] = out[k];
      delete out[k];
    }
    if (Object.keys(rest).length > 0) out.anyOf = [{ type: 'null' }, rest];
  }

  /** Subtypes without their base, made once each (and shared, so a cycle through one ends). */
  private readonly derived = new Map<Obj, Map<Obj, Obj>>();

  /** `target` without `base` among its allOf members; `target` itself when it does not inherit it. */
  private withoutBase(target: Obj, base: Obj): Obj {
    if (!Array.isArray(target.allOf) || !target.allOf.includes(base)) return target;
    let byBase = this.derived.get(target);
    if (!byBase) this.derived.set(target, (byBase = new Map()));
    let out = byBase.get(base);
    if (!out) {
      out = { ...target, allOf: target.allOf.filter((m) => m !== base) };
      byBase.set(base, out);
      this.shared.set(out, `s${this.shared.size}`);
    }
    return out;
  }

  /** The (value, schema) pairs a discriminator dispatches on. */
  private dispatchTargets(s: Obj, d: Obj): Array<readonly [string, Obj]> {
    const targets = new Map<string, Obj>();
    if (isObj(d.mapping)) {
      for (const [value, ref] of Object.entries(d.mapping)) {
        const target = typeof ref === 'string' ? mappedSchema(ref, this.comps) : undefined;
        if (target) targets.set(value, target);
      }
    }
    const members = alternativesOf(s).filter(isObj);
    // A base schema's value is its own name or a subtype's (2.0: "this schema or any schema that inherits it").
    const implicit =
      members.length > 0
        ? members.map((m) => [this.comps.nameOf.get(m), m] as const)
        : [[this.comps.nameOf.get(s), s] as const, ...(this.comps.subtypes.get(s) ?? [])];
    const mapped = new Set(targets.values());
    for (const [name, schema] of implicit) if (name !== undefined && !mapped.has(schema) && !targets.has(name)) targets.set(name, schema);
    return [...targets];
  }

  /** `discriminator`: the property names the schema the object is validated against. */
  private dispatch(s: Obj, d: Obj, out: Obj): void {
    const prop = d.propertyName;
    if (typeof prop !== 'string') return;
    const raw = alternativesOf(s);
    const targets = this.dispatchTargets(s, d);
    if (targets.length === 0) return;
    // An inline alternative has no name to be told by: keep oneOf/anyOf as written.
    const covered = new Set(targets.map(([, t]) => t));
    if (!raw.every((a) => covered.has(a as Obj))) return;
    const alternatives = alternativesOf(out);
    delete out.oneOf;
    delete out.anyOf;
    const rules: Obj[] = targets.map(([value, target]) => ({
      if: { properties: { [prop]: { const: value } }, required: [prop] },
      // A mapping back to the base itself validates the base's own rules (no endless dispatch);
      // a subtype is validated without the base it inherits, whose rules hold here already.
      then: target === s ? this.schema(target, true) : this.schema(this.withoutBase(target, s), false),
    }));
    const objectRules: Obj = {
      required: [prop],
      properties: { [prop]: { enum: targets.map(([value]) => value) } },
      allOf: rules,
    };
    // Not an object: the discriminator says nothing; the alternatives still decide.
    const dispatch: Obj = { if: { type: 'object' }, then: objectRules };
    if (alternatives.length > 0) dispatch.else = { anyOf: alternatives };
    out.allOf = [...(Array.isArray(out.allOf) ? (out.allOf as unknown[]) : []), dispatch];
  }
}

/** A schema's Discriminator Object; Swagger 2.0 writes only the property name. */
function discriminatorOf(s: Obj): Obj | undefined {
  const d = s.discriminator;
  if (isObj(d)) return d;
  return typeof d === 'string' ? { propertyName: d } : undefined;
}

/** The `oneOf` and `anyOf` members of a schema. */
function alternativesOf(s: Obj): unknown[] {
  return [...(Array.isArray(s.oneOf) ? s.oneOf : []), ...(Array.isArray(s.anyOf) ? s.anyOf : [])];
}
