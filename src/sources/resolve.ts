/**
 * Resolving step targets: `operationId` (bare, P3, or `$sourceDescriptions.<name>.<id>`),
 * `operationPath` (P4: must end at an Operation) and `workflowId` (local or in an `arazzo` source).
 *
 * `resolveOperation` and `resolveWorkflowRef` take a reference as written. The loader's compile
 * walk reads each reference once (`parseSourceQualified`, `splitOperationPath`), checks it against
 * the document, and then calls the `find…` functions with the parts.
 */
import type { Problem } from '../errors.js';
import type { ArazzoDocument, ArazzoVersion, SourceDescription, Workflow } from '../document/types.js';
import type { LoadedSource, OpenApiSource, OperationInfo, SourceDocument } from './types.js';
import { escapePointerToken, unescapePointerToken } from '../selection/json-pointer.js';
import { tryParseRuntimeExpression } from '../expressions/runtime-expression.js';
import { didYouMean } from '../util/suggest.js';
import type { ErrorCode } from '../error-codes.js';

const SOURCE_FIELDS = new Set(['url', 'type', 'name']);

export interface ResolveOptions {
  /** Arazzo version of the referring document (1.1: operationId first, then a source field). */
  readonly version?: ArazzoVersion;
  /** JSON path of the step (or action) holding the reference; the field name is appended. */
  readonly path?: string;
  /** File of the referring document, for Problem.file. */
  readonly file?: string;
  /**
   * The document's source descriptions as written. With them, a reference into a source that
   * was declared but failed to load is reported as a consequence (`cascade: true`), not anew.
   */
  readonly sourceDescriptions?: readonly SourceDescription[];
}

/** `cascade` marks a problem caused by an earlier one (a source that failed to load): callers may drop it. */
export type OperationResolution =
  | { readonly operation: OperationInfo; readonly problem?: undefined }
  | { readonly operation?: undefined; readonly problem: Problem; readonly cascade?: boolean };

export type WorkflowResolution =
  | {
      readonly workflow: Workflow;
      readonly workflowId: string;
      /** Set when the workflow lives in an `arazzo` source. */
      readonly sourceName?: string;
      /** The loaded document the workflow lives in (for `arazzo` sources). */
      readonly document?: SourceDocument;
      readonly problem?: undefined;
    }
  | { readonly workflow?: undefined; readonly problem: Problem; readonly cascade?: boolean };

function normalize(o: ArazzoVersion | ResolveOptions | undefined): ResolveOptions {
  return typeof o === 'string' ? { version: o } : (o ?? {});
}

function mkProblem(code: ErrorCode, message: string, opts: ResolveOptions, field: string): Problem {
  const base = opts.path ?? '$';
  return { code, message, severity: 'error', path: `${base}.${field}`, ...(opts.file ? { file: opts.file } : {}) };
}

function openApiSources(sources: ReadonlyMap<string, LoadedSource>): OpenApiSource[] {
  return [...sources.values()].filter((s): s is OpenApiSource => s.kind === 'openapi');
}

function declared(opts: ResolveOptions, name: string): SourceDescription | undefined {
  return opts.sourceDescriptions?.find((sd) => sd && sd.name === name);
}

/** A `$sourceDescriptions.<source>.<ref>` reference, split. */
export interface SourceQualified {
  readonly source: string;
  readonly ref: string;
}

/**
 * `$sourceDescriptions.<name>.<rest>` read by the runtime-expression parser: the parts, `'invalid'`
 * when the text starts so but does not parse, undefined when it is not such a reference.
 */
export function parseSourceQualified(text: string, version: ArazzoVersion = '1.1'): SourceQualified | 'invalid' | undefined {
  if (!text.startsWith('$sourceDescriptions.')) return undefined;
  const parsed = tryParseRuntimeExpression(text, version);
  if (!parsed.ok) return 'invalid';
  const [, source = '', ref = ''] = parsed.expression.segments ?? [];
  return { source, ref };
}

/** An operationPath split at its first `#`; `sourceName` when the part before is the url of a source description. */
export interface OperationPathParts {
  /** The part before `#`, trimmed. */
  readonly head: string;
  /** The JSON Pointer after `#`, as written. */
  readonly fragment: string;
  /** `<name>` of a `{$sourceDescriptions.<name>.url}` head. */
  readonly sourceName?: string;
}

/** Split an operationPath; undefined when it has no `#`. */
export function splitOperationPath(text: string, version: ArazzoVersion = '1.1'): OperationPathParts | undefined {
  const hash = text.indexOf('#');
  if (hash < 0) return undefined;
  const head = text.slice(0, hash).trim();
  const fragment = text.slice(hash + 1);
  const inner = head.replace(/^\{/, '').replace(/\}$/, '');
  const q = parseSourceQualified(inner, version);
  return typeof q === 'object' && q.ref === 'url' ? { head, fragment, sourceName: q.source } : { head, fragment };
}

/** Resolve an operation step target. Exactly one of `operationId` / `operationPath` should be set. */
export function resolveOperation(
  target: { readonly operationId?: string; readonly operationPath?: string },
  sources: ReadonlyMap<string, LoadedSource>,
  versionOrOptions?: ArazzoVersion | ResolveOptions,
): OperationResolution {
  const opts = normalize(versionOrOptions);
  if (typeof target.operationId === 'string') return resolveOperationId(target.operationId, sources, opts);
  if (typeof target.operationPath === 'string') return resolveOperationPath(target.operationPath, sources, opts);
  return { problem: mkProblem('STEP_TARGET_MISSING', 'the step has no operationId, operationPath or workflowId; add exactly one', opts, 'operationId') };
}

/** The problem of a reference to a source that is not loaded: asyncapi, failed to load (a cascade), or not declared. */
function sourceProblem(
  name: string,
  sources: ReadonlyMap<string, LoadedSource>,
  opts: ResolveOptions,
  field: string,
  text: string,
): { readonly problem: Problem; readonly cascade?: boolean } {
  const sd = declared(opts, name);
  if (sd?.type === 'asyncapi') {
    return { problem: mkProblem('ASYNCAPI_UNSUPPORTED', `"${text}" targets the AsyncAPI source "${name}"; AsyncAPI steps are not supported`, opts, field) };
  }
  if (sd) {
    return {
      problem: mkProblem('SOURCE_NOT_LOADED', `"${text}" targets source "${name}", which failed to load (see the problem on that source)`, opts, field),
      cascade: true,
    };
  }
  const names = opts.sourceDescriptions ? opts.sourceDescriptions.map((s) => s.name) : [...sources.keys()];
  return {
    problem: mkProblem(
      'SOURCE_UNKNOWN',
      `"${text}" names source "${name}", but no sourceDescription has that name (declared: ${names.join(', ') || 'none'}).${didYouMean(name, names)}`,
      opts,
      field,
    ),
  };
}

function resolveOperationId(text: string, sources: ReadonlyMap<string, LoadedSource>, opts: ResolveOptions): OperationResolution {
  const q = parseSourceQualified(text, opts.version);
  if (q === 'invalid') {
    return { problem: mkProblem('OPERATION_ID_INVALID', `"${text}" is not of the form $sourceDescriptions.<sourceName>.<operationId>`, opts, 'operationId') };
  }
  return findOperationById(q, text, sources, opts);
}

/**
 * The operation an operationId names: `qualified` for `$sourceDescriptions.<name>.<id>` (the
 * operationId is its `ref`), undefined for a bare operationId (P3: the one OpenAPI source defining it).
 */
export function findOperationById(
  qualified: SourceQualified | undefined,
  text: string,
  sources: ReadonlyMap<string, LoadedSource>,
  opts: ResolveOptions,
): OperationResolution {
  const field = 'operationId';
  if (qualified) {
    const { source: name, ref } = qualified;
    const source = sources.get(name);
    if (!source) return sourceProblem(name, sources, opts, field, text);
    if (source.kind === 'arazzo') {
      return {
        problem: mkProblem(
          'STEP_TARGET_INVALID',
          `"${text}" names the arazzo source "${name}"; an operationId must target an OpenAPI source. To call a workflow of that document use workflowId: ${text}`,
          opts,
          field,
        ),
      };
    }
    const op = source.byOperationId.get(ref);
    if (op) return { operation: op };
    if (SOURCE_FIELDS.has(ref)) {
      return {
        problem: mkProblem(
          'OPERATION_NOT_FOUND',
          `"${text}" refers to the "${ref}" field of source "${name}", not to an operation; write $sourceDescriptions.${name}.<operationId>`,
          opts,
          field,
        ),
      };
    }
    return {
      problem: mkProblem(
        'OPERATION_NOT_FOUND',
        `source "${name}" (${source.location}) has no operation with operationId "${ref}".${didYouMean(ref, source.byOperationId.keys())}`,
        opts,
        field,
      ),
    };
  }
  const openapi = openApiSources(sources);
  const matches = openapi.filter((s) => s.byOperationId.has(text));
  if (matches.length === 1) return { operation: matches[0]!.byOperationId.get(text)! };
  if (matches.length > 1) {
    const names = matches.map((s) => s.name);
    return {
      problem: mkProblem(
        'OPERATION_AMBIGUOUS',
        `operationId "${text}" is defined in ${names.length} sources (${names.join(', ')}); qualify it, e.g. $sourceDescriptions.${names[0]}.${text}`,
        opts,
        field,
      ),
    };
  }
  const failed = (opts.sourceDescriptions ?? []).some((sd) => sd && sd.type !== 'arazzo' && sd.type !== 'asyncapi' && !sources.has(sd.name));
  const all = openapi.flatMap((s) => [...s.byOperationId.keys()]);
  const problem = mkProblem(
    'OPERATION_NOT_FOUND',
    openapi.length === 0
      ? `operationId "${text}" cannot be resolved: the document has no OpenAPI source`
      : `no OpenAPI source (${openapi.map((s) => s.name).join(', ')}) defines operationId "${text}".${didYouMean(text, all)}`,
    opts,
    field,
  );
  return failed ? { problem, cascade: true } : { problem };
}

/** Decode one pointer token (RFC 6901, plus percent-decoding of the URI fragment). */
function decodeToken(token: string): string {
  let t = token;
  try {
    t = decodeURIComponent(t);
  } catch {
    // keep as written
  }
  return unescapePointerToken(t);
}

function resolveOperationPath(text: string, sources: ReadonlyMap<string, LoadedSource>, opts: ResolveOptions): OperationResolution {
  const parts = splitOperationPath(text, opts.version);
  if (!parts) {
    return {
      problem: mkProblem(
        'OPERATION_PATH_INVALID',
        `operationPath "${text}" has no "#" JSON Pointer; write '{$sourceDescriptions.<name>.url}#/paths/<escaped path>/<method>'`,
        opts,
        'operationPath',
      ),
    };
  }
  return findOperationAtPath(parts, text, sources, opts);
}

/** The operation an operationPath points at: in the source its head names (or whose url it is), at its JSON Pointer (P4). */
export function findOperationAtPath(
  parts: OperationPathParts,
  text: string,
  sources: ReadonlyMap<string, LoadedSource>,
  opts: ResolveOptions,
): OperationResolution {
  const field = 'operationPath';
  const { head, fragment, sourceName } = parts;
  let source: LoadedSource | undefined;
  if (sourceName !== undefined) {
    source = sources.get(sourceName);
    if (!source) return sourceProblem(sourceName, sources, opts, field, text);
  } else {
    source = [...sources.values()].find((s) => s.location === head || (opts.sourceDescriptions ?? []).some((sd) => sd?.name === s.name && sd.url === head));
    if (!source) {
      return {
        problem: mkProblem(
          'OPERATION_PATH_INVALID',
          `operationPath "${text}" must start with {$sourceDescriptions.<name>.url} (or the url of a source description); sources: ${[...sources.keys()].join(', ') || 'none'}`,
          opts,
          field,
        ),
      };
    }
  }
  if (source.kind !== 'openapi') {
    return {
      problem: mkProblem(
        'STEP_TARGET_INVALID',
        `operationPath "${text}" points into the arazzo source "${source.name}"; it must point into an OpenAPI source`,
        opts,
        field,
      ),
    };
  }
  if (!fragment.startsWith('/')) {
    return {
      problem: mkProblem('OPERATION_PATH_INVALID', `the fragment of operationPath "${text}" is not a JSON Pointer; it must start with "#/paths/"`, opts, field),
    };
  }
  const tokens = fragment.slice(1).split('/').map(decodeToken);
  const pointer = `/${tokens.map(escapePointerToken).join('/')}`;
  const op = source.byPointer.get(pointer);
  if (op) return { operation: op };
  if (tokens[0] === 'paths' && tokens.length === 2) {
    const methods = source.operations.filter((o) => o.pathTemplate === tokens[1]).map((o) => o.method.toLowerCase());
    if (methods.length > 0) {
      return {
        problem: mkProblem(
          'OPERATION_PATH_NOT_OPERATION',
          `operationPath "${text}" points at a Path Item, not an Operation; append the method, e.g. ${text}/${methods[0]} (available: ${methods.join(', ')})`,
          opts,
          field,
        ),
      };
    }
  }
  const pathTemplates = [...new Set(source.operations.map((o) => o.pathTemplate))];
  const hint = tokens[0] === 'paths' && tokens[1] !== undefined ? didYouMean(tokens[1], pathTemplates) : '';
  return {
    problem: mkProblem(
      'OPERATION_PATH_NOT_FOUND',
      `operationPath "${text}": source "${source.name}" (${source.location}) has no operation at #${pointer}.${hint}`,
      opts,
      field,
    ),
  };
}

/**
 * Resolve a `workflowId` reference (a step target, a goto/retry action target or a dependsOn
 * entry): a workflow of `document`, or `$sourceDescriptions.<arazzoSource>.<workflowId>`.
 */
export function resolveWorkflowRef(
  workflowId: string,
  document: ArazzoDocument,
  sources: ReadonlyMap<string, LoadedSource>,
  options: ResolveOptions & { readonly field?: string } = {},
): WorkflowResolution {
  const q = parseSourceQualified(workflowId, options.version);
  if (typeof q === 'object') return findWorkflowIn(q, workflowId, sources, options);
  const local = Array.isArray(document?.workflows) ? document.workflows : [];
  const wf = local.find((w) => w && w.workflowId === workflowId);
  if (wf) return { workflow: wf, workflowId };
  const ids = local.map((w) => w?.workflowId).filter((x): x is string => typeof x === 'string');
  const elsewhere = sourceDefiningWorkflow(workflowId, sources);
  const hint = elsewhere ? ` It exists in the arazzo source "${elsewhere}": write $sourceDescriptions.${elsewhere}.${workflowId}` : didYouMean(workflowId, ids);
  return { problem: mkProblem('WORKFLOW_NOT_FOUND', `no workflow "${workflowId}" in this document.${hint}`, options, options.field ?? 'workflowId') };
}

/** The workflow `$sourceDescriptions.<source>.<workflowId>` names, in that `arazzo` source. */
export function findWorkflowIn(
  qualified: SourceQualified,
  text: string,
  sources: ReadonlyMap<string, LoadedSource>,
  options: ResolveOptions & { readonly field?: string } = {},
): WorkflowResolution {
  const field = options.field ?? 'workflowId';
  const { source: name, ref } = qualified;
  const source = sources.get(name);
  if (!source) return sourceProblem(name, sources, options, field, text);
  if (source.kind !== 'arazzo') {
    return {
      problem: mkProblem(
        'SOURCE_NOT_ARAZZO',
        `"${text}" names the OpenAPI source "${name}"; a workflowId must target this document or an arazzo source. To call an operation use operationId: ${text}`,
        options,
        field,
      ),
    };
  }
  const workflows = Array.isArray(source.document.document?.workflows) ? source.document.document.workflows : [];
  const wf = workflows.find((w) => w && w.workflowId === ref);
  if (wf) return { workflow: wf, workflowId: ref, sourceName: name, document: source.document };
  return {
    problem: mkProblem(
      'WORKFLOW_NOT_FOUND',
      `the arazzo source "${name}" (${source.location}) has no workflow "${ref}".${didYouMean(
        ref,
        workflows.map((w) => w?.workflowId).filter((x): x is string => typeof x === 'string'),
      )}`,
      options,
      field,
    ),
  };
}

/** The `arazzo` source that defines a workflow with this id, for the hint on a local workflowId that names none. */
export function sourceDefiningWorkflow(workflowId: string, sources: ReadonlyMap<string, LoadedSource> | undefined): string | undefined {
  for (const s of sources?.values() ?? []) {
    if (s.kind === 'arazzo' && (s.document.document?.workflows ?? []).some((w) => w?.workflowId === workflowId)) return s.name;
  }
  return undefined;
}
