/**
 * Contracts of the runtime-expression module. Expressions are parsed once at load into an AST and
 * a closure; evaluating one takes an EvalContext and returns a JSON value or `undefined`.
 */
import type { Components } from '../document/types.js';
import type { ErrorCode, ProblemCode } from '../error-codes.js';

/** An HTTP message as expressions see it. Header names are lower-case; repeated headers are joined with ", ". */
export interface MessageView {
  readonly headers: Readonly<Record<string, string>>;
  /** Request only: the query parameters sent (decoded), by name. */
  readonly query?: Readonly<Record<string, string>>;
  /** Request only: the path parameters sent (decoded), by name. */
  readonly path?: Readonly<Record<string, string>>;
  /** Parsed JSON, or the raw text for text/XML/other, or undefined when there was no body. */
  readonly body?: unknown;
}

export interface SourceDescriptionView {
  readonly name: string;
  readonly url: string;
  readonly type?: string;
}

/** Everything a runtime expression may read. Built by the engine per evaluation site. */
export interface EvalContext {
  readonly url?: string;
  readonly method?: string;
  readonly statusCode?: number;
  readonly request?: MessageView;
  readonly response?: MessageView;
  /** The current workflow's inputs (after defaults). */
  readonly inputs: Readonly<Record<string, unknown>>;
  /**
   * `$outputs.x`: the current workflow's outputs; inside a workflow step's criteria and outputs,
   * the child workflow's outputs (P16).
   */
  readonly outputs?: Readonly<Record<string, unknown>>;
  /** `$steps.<id>.outputs.<name>`: the latest outputs of each step that has run in this workflow. */
  readonly steps: Readonly<Record<string, Readonly<Record<string, unknown>> | undefined>>;
  /** `$workflows.<id>.inputs|outputs.<name>`. */
  readonly workflows: Readonly<
    Record<string, { readonly inputs?: Readonly<Record<string, unknown>>; readonly outputs?: Readonly<Record<string, unknown>> } | undefined>
  >;
  readonly sourceDescriptions: Readonly<Record<string, SourceDescriptionView>>;
  /** The raw `components` object of the document the current workflow lives in. */
  readonly components?: Readonly<Components>;
  /** `$self` (1.1), or the document's retrieval URI. */
  readonly self?: string;
}

/** Parse-time failure. `offset` is the 0-based character index in the expression text. */
export interface ExpressionSyntaxIssue {
  readonly code: ErrorCode;
  readonly message: string;
  readonly offset: number;
}

/** A parsed runtime expression (e.g. `$steps.create.outputs.name#/0`). */
export interface RuntimeExpression {
  readonly text: string;
  /** Root: 'url' | 'method' | 'statusCode' | 'request' | 'response' | 'inputs' | 'outputs' | 'steps' | 'workflows' | 'sourceDescriptions' | 'components' | 'self' | 'message'. */
  readonly root: string;
  /** For `$steps.<id>…` and `$workflows.<id>…`: the referenced id, so loaders can check forward references. */
  readonly refId?: string;
  /**
   * The parsed parts, e.g. `['steps', 'create', 'outputs', 'name']`, `['request', 'header', 'X-Id']`,
   * `['components', 'parameters', 'page']`, `['workflows', 'wf', 'steps', 'a']`.
   */
  readonly segments?: readonly string[];
  /** The JSON Pointer after `#` (without the `#`), when there is one. */
  readonly pointer?: string;
  /**
   * Set when the text is another runner's spelling, accepted and read as `standard` (see
   * docs/dialects.md): `$steps.<id>.<name>` without `.outputs.`, or a dot path into a body
   * (`$response.body.a.b`). The loader reports it (`DIALECT_…`).
   */
  readonly dialect?: ExpressionDialect;
  evaluate(ctx: EvalContext): unknown;
}

/** Another runner's spelling of an expression, and the standard spelling it is read as. */
export interface ExpressionDialect {
  /** `step-outputs`: `$steps.<id>.<name>`; `body-dot-path`: `$response.body.a.b` / `$request.body.a.b`. */
  readonly kind: 'step-outputs' | 'body-dot-path';
  /** The standard spelling, e.g. `$steps.login.outputs.token` or `$response.body#/a/b`. */
  readonly standard: string;
}

/**
 * A warning found while compiling a value or a criterion: something accepted, but written in a
 * non-standard way (codes `DIALECT_…`). The loader reports each as a problem with file:line:col.
 */
export interface CompileWarning {
  readonly code: ProblemCode;
  readonly message: string;
  /** JSON Pointer of the string it concerns, inside the compiled value. */
  readonly pointer?: string;
  /** For a criterion: the field it concerns (`condition`, `context`, `type`). */
  readonly field?: string;
}

/**
 * A JSON value whose leaves may be runtime expressions or `{$…}` templates (P7, P28), or a 1.1
 * Selector object. Compiled once; `evaluate` does no parsing.
 */
export interface CompiledValue {
  /** True when no part of the value depends on the context (evaluate returns the same value every time). */
  readonly isStatic: boolean;
  /** Every expression inside, in document order (for validation and forward-reference checks). */
  readonly expressions: readonly RuntimeExpression[];
  /** P28: the texts of complete expressions found bare inside longer strings (the loader warns). */
  readonly bareExpressions?: readonly string[];
  /** Warnings to report at load (see CompileWarning). */
  readonly warnings?: readonly CompileWarning[];
  /**
   * Evaluate against a context. `onMissing` is called with the text of every expression that
   * resolved to nothing (P25 uses it to fail a step on an unresolved required parameter).
   */
  evaluate(ctx: EvalContext, onMissing?: (expressionText: string) => void): unknown;
}
