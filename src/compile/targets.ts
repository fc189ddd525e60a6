/**
 * Step targets and workflow references, checked against the document and resolved in the loaded
 * sources in one go: each reference is read once (`parseSourceQualified`, `splitOperationPath`),
 * checked against the declared sources and workflows, and, when the sources are loaded, resolved
 * with the sources module. A reference into a source that failed to load is not reported again.
 */
import {
  findOperationAtPath,
  findOperationById,
  findWorkflowIn,
  type OperationResolution,
  parseSourceQualified,
  sourceDefiningWorkflow,
  type WorkflowResolution,
} from '../sources/resolve.js';
import type { LoadedSource, OperationInfo } from '../sources/types.js';
import { didYouMean } from '../util/suggest.js';
import type { WorkflowRef } from './plan-types.js';
import { type DocumentScope, isStr, type Obj, quoteList } from './scope.js';

const POINTER = /^\/([^~]|~[01])*$/;
const ASYNC_FIELDS = ['channelPath', 'action', 'correlationId'] as const;

export interface StepTarget {
  /** What the step runs, for the plan: a `workflowId` makes it a workflow step. */
  readonly kind: 'operation' | 'workflow';
  /** The step's one target is Redocly's `x-operation` (compiled by the step, x-operation.ts). */
  readonly xOperation?: true;
  /** What the step runs when it has exactly one target; undefined when it has none or several. */
  readonly checkedKind: 'operation' | 'workflow' | undefined;
  readonly operation?: OperationInfo;
  readonly workflow?: WorkflowRef;
}

/** Report a resolution problem, unless it is the consequence of a source that failed to load. */
function reportResolution(scope: DocumentScope, path: string, r: OperationResolution | WorkflowResolution): void {
  if (r.problem && !r.cascade) scope.reporter.error(r.problem.code, path, r.problem.message);
}

function sourceUnknown(scope: DocumentScope, path: string, what: string, text: string, name: string): void {
  const names = [...scope.declared.keys()];
  scope.reporter.error(
    'SOURCE_UNKNOWN',
    path,
    `${what} '${text}' names source '${name}', which is not in sourceDescriptions (defined: ${quoteList(names)}).${didYouMean(name, names)}`,
  );
}

function asyncApiSource(scope: DocumentScope, path: string, what: string, text: string, name: string): void {
  scope.reporter.error('ASYNCAPI_UNSUPPORTED', path, `${what} '${text}' points into the AsyncAPI source '${name}'; AsyncAPI operations are not supported.`);
}

/** A step's operationId, operationPath or workflowId: exactly one, checked and (with sources) resolved. */
export function compileStepTarget(scope: DocumentScope, step: Obj, path: string): StepTarget {
  const { reporter } = scope;
  for (const field of ASYNC_FIELDS) {
    if (step[field] !== undefined) {
      reporter.error(
        'ASYNCAPI_UNSUPPORTED',
        `${path}.${field}`,
        `'${field}' belongs to AsyncAPI steps, which this engine does not support. Use an OpenAPI operation (operationId or operationPath) or a workflowId.`,
      );
    }
  }
  const targets = (['operationId', 'operationPath', 'workflowId'] as const).filter((field) => step[field] !== undefined);
  // Redocly's x-operation (a dialect, x-operation.ts) stands in for an operation.
  const xOperation = step['x-operation'] !== undefined;
  if (targets.length === 0 && step.channelPath === undefined && !xOperation) {
    reporter.error(
      'STEP_TARGET_MISSING',
      path,
      'A step needs exactly one of operationId, operationPath, workflowId. Add the operation or workflow this step runs.',
    );
  } else if (targets.length > 1 || (targets.length === 1 && xOperation)) {
    reporter.error(
      'STEP_TARGET_AMBIGUOUS',
      path,
      `A step needs exactly one of operationId, operationPath, workflowId, but this one has ${[...targets, ...(xOperation ? ['x-operation'] : [])].join(' and ')}. Keep one.`,
    );
  }
  const checkedKind =
    targets.length === 1 && !xOperation
      ? targets[0] === 'workflowId'
        ? 'workflow'
        : 'operation'
      : targets.length === 0 && xOperation
        ? 'operation'
        : undefined;
  // Resolved only when it is the step's one target, as the step would run it.
  const resolve = (['operationId', 'operationPath', 'workflowId'] as const).filter((field) => isStr(step[field])).length === 1;

  let operation: OperationInfo | undefined;
  if (isStr(step.operationId)) operation = operationById(scope, step.operationId, `${path}.operationId`, resolve);
  if (isStr(step.operationPath)) operation = operationAtPath(scope, step.operationPath, `${path}.operationPath`, resolve) ?? operation;
  const workflow = isStr(step.workflowId) ? workflowTarget(scope, step.workflowId, `${path}.workflowId`, 'workflowId', resolve) : undefined;
  return {
    kind: step.workflowId !== undefined ? 'workflow' : 'operation',
    ...(targets.length === 0 && xOperation ? { xOperation: true as const } : {}),
    checkedKind,
    ...(operation ? { operation } : {}),
    ...(workflow ? { workflow } : {}),
  };
}

function operationById(scope: DocumentScope, text: string, path: string, resolve: boolean): OperationInfo | undefined {
  const q = parseSourceQualified(text, scope.version);
  if (q === 'invalid') {
    scope.reporter.error('OPERATION_ID_INVALID', path, `"${text}" is not of the form $sourceDescriptions.<sourceName>.<operationId>`);
    return undefined;
  }
  if (q) {
    const declared = scope.declared.get(q.source);
    if (!declared) return void sourceUnknown(scope, path, 'operationId', text, q.source);
    if (declared.type === 'asyncapi') return void asyncApiSource(scope, path, 'operationId', text, q.source);
  }
  if (!resolve || !scope.sources) return undefined;
  if (!q) {
    const dotted = sourceDotOperation(scope, scope.sources, text, path);
    if (dotted) return dotted.operation;
  }
  const r = findOperationById(q, text, scope.sources, scope.resolveOptions);
  reportResolution(scope, path, r);
  if (r.operation && !q && scope.nonArazzoSources >= 2) {
    // The spec: with several non-arazzo sources an operationId MUST be qualified. P3 still runs one
    // that exactly one source defines, but says so, since other runners reject it.
    scope.reporter.warn(
      'OPERATION_ID_UNQUALIFIED',
      path,
      `operationId "${text}" is not qualified, but the document has ${scope.nonArazzoSources} non-arazzo sources; the spec requires $sourceDescriptions.${r.operation.sourceName}.${text} (it runs here because only "${r.operation.sourceName}" defines it, P3).`,
    );
  }
  return r.operation;
}

/**
 * Redocly's `<sourceName>.<operationId>` (a dialect): when no OpenAPI source has an operationId
 * with that literal text and the part before the first dot names a source, it is read as
 * `$sourceDescriptions.<sourceName>.<operationId>`. The operation with a warning when it resolves
 * so; the qualified reading's problem when the source has no such operation; undefined when the
 * text is not of this form (the caller resolves it as a bare operationId).
 */
function sourceDotOperation(
  scope: DocumentScope,
  sources: ReadonlyMap<string, LoadedSource>,
  text: string,
  path: string,
): { operation?: OperationInfo } | undefined {
  const dot = text.indexOf('.');
  if (dot <= 0) return undefined;
  const name = text.slice(0, dot);
  const ref = text.slice(dot + 1);
  const source = sources.get(name);
  if (source?.kind !== 'openapi' || ref === '') return undefined;
  for (const s of sources.values()) if (s.kind === 'openapi' && s.byOperationId.has(text)) return undefined;
  const standard = `$sourceDescriptions.${name}.${ref}`;
  const r = findOperationById({ source: name, ref }, standard, sources, scope.resolveOptions);
  if (r.operation) {
    scope.reporter.warn(
      'DIALECT_SOURCE_DOT_OPERATION_ID',
      path,
      `operationId "${text}" is not an operationId of any source; it is read as "${standard}" (operation '${ref}' of source '${name}'), the standard spelling. Write that.`,
    );
    return { operation: r.operation };
  }
  if (r.problem && !r.cascade) scope.reporter.error(r.problem.code, path, `operationId "${text}" is read as "${standard}", but ${r.problem.message}`);
  return {};
}

function operationAtPath(scope: DocumentScope, text: string, path: string, resolve: boolean): OperationInfo | undefined {
  // '{$sourceDescriptions.<name>.url}#<pointer>' (or without the braces), read by the expression parser.
  const hash = text.indexOf('#');
  const head = hash < 0 ? '' : text.slice(0, hash);
  const fragment = text.slice(hash + 1);
  const q = hash < 0 ? undefined : parseSourceQualified(head.startsWith('{') && head.endsWith('}') ? head.slice(1, -1) : head, scope.version);
  if (typeof q !== 'object' || q.ref !== 'url' || !POINTER.test(fragment)) {
    scope.reporter.error(
      'OPERATION_PATH_INVALID',
      path,
      `operationPath '${text}' must be '{$sourceDescriptions.<name>.url}#<json-pointer>', e.g. '{$sourceDescriptions.petStore.url}#/paths/~1pets/get' (escape '/' in a path as ~1).`,
    );
    return undefined;
  }
  const parts = { head, fragment, sourceName: q.source };
  const name = parts.sourceName;
  const declared = scope.declared.get(name);
  if (!declared) return void sourceUnknown(scope, path, 'operationPath', text, name);
  if (declared.type === 'asyncapi') return void asyncApiSource(scope, path, 'operationPath', text, name);
  if (!resolve || !scope.sources) return undefined;
  const r = findOperationAtPath(parts, text, scope.sources, scope.resolveOptions);
  reportResolution(scope, path, r);
  return r.operation;
}

/**
 * A `workflowId` (of a step or an action) or a workflow `dependsOn` entry: a workflow of this
 * document, or `$sourceDescriptions.<arazzoSource>.<workflowId>`, resolved in that source when
 * `resolve` and the sources are loaded. The reference, when it holds.
 */
export function workflowTarget(scope: DocumentScope, text: string, path: string, what: string, resolve: boolean): WorkflowRef | undefined {
  const q = parseSourceQualified(text, scope.version);
  if (q === 'invalid') {
    scope.reporter.error(
      'WORKFLOW_NOT_FOUND',
      path,
      `${what} '${text}' is not $sourceDescriptions.<source>.<workflowId>; write the source name, then the workflowId.`,
    );
    return undefined;
  }
  if (q) {
    const declared = scope.declared.get(q.source);
    if (!declared) return void sourceUnknown(scope, path, what, text, q.source);
    if (declared.type !== undefined && declared.type !== 'arazzo') {
      scope.reporter.error(
        'SOURCE_NOT_ARAZZO',
        path,
        `${what} '${text}' points into source '${q.source}' of type '${String(declared.type)}'; a workflow can only come from an arazzo source.`,
      );
      return undefined;
    }
    if (!scope.sources) return { source: q.source, workflowId: q.ref };
    if (!resolve) return undefined;
    const r = findWorkflowIn(q, text, scope.sources, scope.resolveOptions);
    reportResolution(scope, path, r);
    return r.workflow ? { source: q.source, workflowId: r.workflowId } : undefined;
  }
  if (scope.workflowIds.has(text)) return { workflowId: text };
  const elsewhere = sourceDefiningWorkflow(text, scope.sources);
  const hint = elsewhere
    ? ` It exists in the arazzo source '${elsewhere}': write $sourceDescriptions.${elsewhere}.${text}.`
    : `${didYouMean(text, scope.workflowIds.keys())} For a workflow in another document use $sourceDescriptions.<source>.<workflowId>.`;
  scope.reporter.error(
    'WORKFLOW_NOT_FOUND',
    path,
    `${what} '${text}' names no workflow in this document (workflows: ${quoteList(scope.workflowIds.keys())}).${hint}`,
  );
  return undefined;
}
