/**
 * Errors are values with codes. Every error a user can cause carries a stable `code`, a message
 * that says what to do, and where possible a location. The codes are listed in `error-codes.ts`.
 */
import type { ErrorCode } from './error-codes.js';

export type { ErrorCode } from './error-codes.js';

export type Severity = 'error' | 'warning';

/** One problem found while loading or validating a document. */
export interface Problem {
  /** Stable, documented code, e.g. `STEP_TARGET_MISSING`. */
  code: ErrorCode;
  /** What is wrong and how to fix it. */
  message: string;
  severity: Severity;
  /** JSON path into the document, e.g. `$.workflows[0].steps[1].operationId`. */
  path: string;
  /** File path or URL of the document the problem is in. */
  file?: string;
  /** 1-based line and column, when the document was parsed from text. */
  line?: number;
  column?: number;
}

/**
 * Base class for every error the engine throws on purpose. When it wraps another error, that
 * error is its `cause` (pass `{ cause }` as the last argument).
 */
export class ArazzoError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ArazzoError';
    this.code = code;
    this.details = details;
  }
}

/**
 * Thrown by loading when a document has one or more error-severity problems: all of them, at once.
 * `code` is DOCUMENT_INVALID, or the reading code (e.g. DOCUMENT_NOT_FOUND) when the document
 * could not be read at all.
 */
export class DocumentError extends ArazzoError {
  readonly problems: Problem[];

  constructor(problems: Problem[], file?: string, code: ErrorCode = 'DOCUMENT_INVALID', options?: ErrorOptions) {
    const errors = problems.filter((p) => p.severity === 'error');
    const where = file ? ` in ${file}` : '';
    const first = errors[0];
    const head = first ? `: ${formatProblem(first)}` : '';
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    super(code, `${errors.length} problem(s)${where}${head}${more}`, { file }, options);
    this.name = 'DocumentError';
    this.problems = problems;
  }
}

/** `file:line:col  code  message  (json path)` — the format `arazzo validate` prints. */
export function formatProblem(p: Problem): string {
  const loc = p.file ? `${p.file}${p.line ? `:${p.line}:${p.column ?? 1}` : ''}  ` : '';
  return `${loc}${p.code}  ${p.message}  (${p.path})`;
}
