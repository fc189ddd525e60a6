/**
 * Components: each parameter and action component is checked and compiled once, at its own path,
 * and shared by every list that references it. Reusable Objects (`reference: $components.…`) are
 * resolved here too.
 */
import { appendPath } from '../document/json-path.js';
import { unescapePointerToken } from '../selection/json-pointer.js';
import { compileActionBody } from './actions.js';
import type { SchemaIssue } from './inputs.js';
import { type ActionBody, type ComponentParameter, type DocumentScope, isObj, isStr, type Obj, quoteList } from './scope.js';
import { compileValueAt } from './values.js';

export type ComponentKind = 'parameters' | 'successActions' | 'failureActions';

const COMPONENT_REF = /^\$components\.([A-Za-z]+)\.(.+)$/;

/**
 * The component key a Reusable Object references in a list of `expected` components; undefined
 * (reported) when the reference is malformed, of the wrong kind or names nothing.
 */
export function resolveReference(scope: DocumentScope, entry: Obj, path: string, expected: ComponentKind): string | undefined {
  const reference = entry.reference;
  if (!isStr(reference)) return undefined; // the schema reports it
  const match = COMPONENT_REF.exec(reference);
  if (!match) {
    scope.reporter.error('COMPONENT_REFERENCE_INVALID', `${path}.reference`, `reference '${reference}' must be '$components.${expected}.<name>'.`);
    return undefined;
  }
  const [, kind = '', key = ''] = match;
  if (kind !== expected) {
    scope.reporter.error(
      'COMPONENT_KIND_MISMATCH',
      `${path}.reference`,
      `reference '${reference}' points at ${kind}, but this list needs $components.${expected}.<name>.`,
    );
    return undefined;
  }
  if (entry.value !== undefined && expected !== 'parameters') {
    scope.reporter.error('REUSABLE_VALUE_NOT_ALLOWED', `${path}.value`, `'value' can only override a parameter; remove it from this ${expected} reference.`);
  }
  const map = isObj(scope.components[kind]) ? (scope.components[kind] as Obj) : {};
  if (!isObj(Object.hasOwn(map, key) ? map[key] : undefined)) {
    scope.reporter.error(
      'COMPONENT_NOT_FOUND',
      `${path}.reference`,
      `reference '${reference}' does not exist. Defined ${kind} components: ${quoteList(Object.keys(map))}.`,
    );
    return undefined;
  }
  return key;
}

/** `$ref`s inside an inputs schema must point at an existing `#/components/inputs/<name>`. */
export function checkInputsRefs(scope: DocumentScope, schema: unknown, path: string): void {
  if (Array.isArray(schema)) {
    schema.forEach((item, index) => {
      checkInputsRefs(scope, item, `${path}[${index}]`);
    });
    return;
  }
  if (!isObj(schema)) return;
  for (const [key, value] of Object.entries(schema)) {
    const childPath = appendPath(path, key);
    if (key === '$ref' && isStr(value) && value.startsWith('#/components/')) {
      const [kind, ...rest] = value.slice('#/components/'.length).split('/');
      const name = unescapePointerToken(rest.join('/'));
      if (kind !== 'inputs') {
        scope.reporter.error('COMPONENT_KIND_MISMATCH', childPath, `An inputs schema can only $ref '#/components/inputs/<name>', not '${value}'.`);
      } else {
        const inputs = isObj(scope.components.inputs) ? scope.components.inputs : {};
        const top = name.split('/')[0] ?? '';
        if (!(top in inputs)) {
          scope.reporter.error('COMPONENT_NOT_FOUND', childPath, `'${value}' does not exist. Defined inputs components: ${quoteList(Object.keys(inputs))}.`);
        }
      }
    } else {
      checkInputsRefs(scope, value, childPath);
    }
  }
}

/** How to fix the JSON Schema mistakes people make most (older drafts' forms). */
const SCHEMA_HINTS: Readonly<Record<string, string>> = {
  required: ' "required" is a list of property names on the object that has the properties (required: [id]), not true on a property.',
  exclusiveMinimum: ' In 2020-12 "exclusiveMinimum" is the bound itself (a number); the boolean form is draft-04.',
  exclusiveMaximum: ' In 2020-12 "exclusiveMaximum" is the bound itself (a number); the boolean form is draft-04.',
  type: ' Types are "string", "number", "integer", "boolean", "object", "array" and "null".',
};

/** Meta-schema problems of an inputs schema at `path`, each where it is (INPUTS_SCHEMA_INVALID). */
export function reportSchemaIssues(scope: DocumentScope, issues: readonly SchemaIssue[], path: string): void {
  for (const issue of issues) {
    const keyword = /\.(\w+)$/.exec(issue.at)?.[1];
    const hint = keyword ? (SCHEMA_HINTS[keyword] ?? '') : '';
    scope.reporter.error(
      'INPUTS_SCHEMA_INVALID',
      `${path}${issue.at}`,
      `This inputs schema is not valid JSON Schema 2020-12: ${issue.message}.${hint} No input could be checked against it.`,
    );
  }
}

/** Check and compile every component; fills `scope.componentParameters` and `scope.componentActions`. */
export function compileComponents(scope: DocumentScope, into: { parameters: Map<string, ComponentParameter>; actions: Map<string, ActionBody> }): void {
  const base = '$.components';
  checkInputsRefs(scope, scope.components.inputs, `${base}.inputs`);
  const inputs = scope.components.inputs;
  if (scope.schemas && isObj(inputs)) {
    for (const [key, schema] of Object.entries(inputs)) {
      const path = appendPath(appendPath(base, 'inputs'), key);
      if (!scope.shapeInvalid(path)) reportSchemaIssues(scope, scope.schemas.metaIssues(schema), path);
    }
  }
  // Parameters first: component actions may reference them.
  const parameters = scope.components.parameters;
  if (isObj(parameters)) {
    for (const [key, parameter] of Object.entries(parameters)) {
      if (!isObj(parameter)) continue;
      const path = appendPath(appendPath(base, 'parameters'), key);
      if (parameter.in === 'channel')
        scope.reporter.error('ASYNCAPI_UNSUPPORTED', appendPath(path, 'in'), "Parameters 'in: channel' are AsyncAPI-only and not supported.");
      into.parameters.set(key, { parameter, value: compileValueAt(scope, parameter.value, appendPath(path, 'value'), undefined) });
    }
  }
  for (const kind of ['successActions', 'failureActions'] as const) {
    const map = scope.components[kind];
    if (!isObj(map)) continue;
    for (const [key, action] of Object.entries(map)) {
      if (isObj(action)) into.actions.set(`${kind}\u0000${key}`, compileActionBody(scope, action, appendPath(appendPath(base, kind), key), undefined));
    }
  }
}
