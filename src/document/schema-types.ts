/**
 * Build-time: TypeScript declarations from the project's JSON Schema, so the document types and
 * the schemas cannot drift apart (`generate.ts` writes the result to `generated/types.ts`).
 *
 * It understands exactly the keywords `schemas.ts` uses and throws on any other, so a new keyword
 * is a decision, not a silent `unknown`:
 * - `type`, `enum`, `const`, `properties` + `required`, `items`, `additionalProperties` (a schema:
 *   a record; `false`: closed), `$ref` to `#/$defs/<name>` (the interface `<Name>`), `true`;
 * - `if`/`then`/`else` alternatives become `Then | Else` (the schemas use them in place of `oneOf`);
 * - `patternProperties: { '^x-': true }` becomes `extends Extensions`;
 * - `allOf` of `if`/`then` refinements, `pattern`, `propertyNames`, `minItems`, `uniqueItems`,
 *   `minimum` only constrain values, so the type ignores them;
 * - `description` becomes the doc comment.
 *
 * An object with properties and no `additionalProperties` (a Reusable Object) is open in JSON
 * Schema; its type lists the declared fields only.
 *
 * Never imported at run time.
 */

import { asRecord, isRecord, isStringArray } from '../util/guards.js';

type Schema = Record<string, unknown> | boolean;

const IGNORED = new Set(['$schema', '$id', 'description', 'pattern', 'propertyNames', 'minItems', 'uniqueItems', 'minimum', '$defs', 'required']);
const HANDLED = new Set(['type', 'enum', 'const', 'properties', 'items', 'additionalProperties', 'patternProperties', '$ref', 'if', 'then', 'else', 'allOf']);

/** `source-description` → `SourceDescription`. */
export function typeName(defName: string): string {
  return defName.replace(/(^|-)([a-z])/g, (_, _dash: string, c: string) => c.toUpperCase());
}

/** The declarations for a root schema and its `$defs`, root first (named `rootName`). */
export function schemaToTypeScript(root: Record<string, unknown>, rootName: string, rootDoc: string): string {
  const defs = asRecord(root.$defs) ?? {};
  const out = [
    '/** Specification extensions: any field whose name starts with `x-`. */',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the text is a TypeScript template literal type
    'export type Extensions = { [key: `x-${string}`]: unknown };',
    '',
    declaration(rootName, { ...root, description: rootDoc }, '#'),
  ];
  for (const [name, schema] of Object.entries(defs)) out.push(declaration(typeName(name), asSchema(schema, `#/$defs/${name}`), `#/$defs/${name}`));
  return `${out.join('\n')}\n`;
}

function declaration(name: string, schema: Schema, where: string): string {
  const doc = docComment(schema, '');
  if (isRecord(schema) && schema.type === 'object' && isRecord(schema.properties)) {
    const extensions = extendsExtensions(schema, where);
    return `${doc}export interface ${name}${extensions ? ' extends Extensions' : ''} ${objectBody(schema, where, '')}\n`;
  }
  return `${doc}export type ${name} = ${typeOf(schema, where, '')};\n`;
}

function typeOf(schema: Schema, where: string, indent: string): string {
  if (schema === true) return 'unknown';
  if (schema === false) return 'never';
  checkKeywords(schema, where);
  if (typeof schema.$ref === 'string') {
    const match = /^#\/\$defs\/([A-Za-z0-9-]+)$/.exec(schema.$ref);
    if (!match) throw new Error(`${where}: only #/$defs/<name> references are supported, not ${schema.$ref}`);
    return typeName(match[1]!);
  }
  if (schema.if !== undefined) {
    if (schema.then === undefined || schema.else === undefined) throw new Error(`${where}: if needs both then and else`);
    return union([
      typeOf(asSchema(schema.then, `${where}/then`), `${where}/then`, indent),
      typeOf(asSchema(schema.else, `${where}/else`), `${where}/else`, indent),
    ]);
  }
  if (Array.isArray(schema.enum)) return union(schema.enum.map(literal));
  if (schema.const !== undefined) return literal(schema.const);
  const types = isStringArray(schema.type) ? schema.type : typeof schema.type === 'string' ? [schema.type] : [];
  if (types.length === 0) throw new Error(`${where}: a schema without type, enum, const, $ref or if has no TypeScript type here`);
  return union(types.map((type) => typeForName(type, schema, where, indent)));
}

function typeForName(type: string, schema: Record<string, unknown>, where: string, indent: string): string {
  switch (type) {
    case 'string':
    case 'boolean':
    case 'null':
      return type;
    case 'integer':
    case 'number':
      return 'number';
    case 'array': {
      const item = schema.items === undefined ? 'unknown' : typeOf(asSchema(schema.items, `${where}/items`), `${where}/items`, indent);
      return /^[A-Za-z0-9_]+$/.test(item) ? `${item}[]` : `Array<${item}>`;
    }
    case 'object': {
      if (isRecord(schema.properties)) {
        const body = objectBody(schema, where, indent);
        return extendsExtensions(schema, where) ? `Extensions & ${body}` : body;
      }
      const extra = schema.additionalProperties;
      const value =
        extra === undefined || extra === true ? 'unknown' : typeOf(asSchema(extra, `${where}/additionalProperties`), `${where}/additionalProperties`, indent);
      return `Record<string, ${value}>`;
    }
    default:
      throw new Error(`${where}: unsupported type ${type}`);
  }
}

function objectBody(schema: Record<string, unknown>, where: string, indent: string): string {
  const properties = asRecord(schema.properties) ?? {};
  const required = new Set(isStringArray(schema.required) ? schema.required : []);
  const inner = `${indent}  `;
  const lines = Object.entries(properties).map(([key, property]) => {
    const name = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : `'${key}'`;
    const optional = required.has(key) ? '' : '?';
    const at = `${where}/properties/${key}`;
    return `${docComment(property, inner)}${inner}${name}${optional}: ${typeOf(asSchema(property, at), at, inner)};`;
  });
  return `{\n${lines.join('\n')}\n${indent}}`;
}

function extendsExtensions(schema: Record<string, unknown>, where: string): boolean {
  const patterns = schema.patternProperties;
  if (patterns === undefined) return false;
  if (!isRecord(patterns) || Object.keys(patterns).length !== 1 || patterns['^x-'] !== true) {
    throw new Error(`${where}: only patternProperties {"^x-": true} (specification extensions) is supported`);
  }
  return true;
}

function checkKeywords(schema: Record<string, unknown>, where: string): void {
  for (const key of Object.keys(schema)) {
    if (IGNORED.has(key)) continue;
    if (!HANDLED.has(key)) throw new Error(`${where}: the type generator does not know the keyword "${key}"; teach schema-types.ts what it means for the type`);
  }
  if (schema.allOf !== undefined) {
    const refinements = Array.isArray(schema.allOf) && schema.allOf.every((s) => isRecord(s) && Object.keys(s).every((k) => k === 'if' || k === 'then'));
    if (!refinements) throw new Error(`${where}: allOf is supported only as a list of if/then refinements`);
  }
  if (schema.additionalProperties !== undefined && schema.additionalProperties !== false && isRecord(schema.properties)) {
    throw new Error(`${where}: properties together with an additionalProperties schema is not supported`);
  }
}

function asSchema(value: unknown, where: string): Schema {
  if (typeof value === 'boolean' || isRecord(value)) return value;
  throw new Error(`${where}: expected a schema (an object or a boolean)`);
}

function docComment(schema: unknown, indent: string): string {
  if (!isRecord(schema) || typeof schema.description !== 'string') return '';
  return `${indent}/** ${schema.description.replace(/\*\//g, '*\\/')} */\n`;
}

function literal(value: unknown): string {
  return typeof value === 'string' ? `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : JSON.stringify(value);
}

function union(members: string[]): string {
  return [...new Set(members)].join(' | ');
}
