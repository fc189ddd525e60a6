/**
 * Errors the command line raises itself, and the one mapping from an error to the process exit
 * code. Codes are listed in `../error-codes.ts` and documented in docs/cli.md.
 */
import {
  CLI_ERROR_CODES,
  COMPILE_PROBLEM_CODES,
  DOCUMENT_PROBLEM_CODES,
  type ErrorCode,
  LOAD_ERROR_CODES,
  RUN_ERROR_CODES,
  SOURCE_PROBLEM_CODES,
  TRANSPORT_ERROR_CODES,
} from '../error-codes.js';
import { ArazzoError } from '../errors.js';

export const EXIT_SUCCEEDED = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_CANCELLED = 130;

export type ExitCode = typeof EXIT_SUCCEEDED | typeof EXIT_FAILED | typeof EXIT_USAGE | typeof EXIT_CANCELLED;

/**
 * A problem with how the command was invoked or with what it was given (flags, files, inputs):
 * always exit 2, and always before any request is sent.
 */
export class CliError extends ArazzoError {
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: ErrorOptions) {
    super(code, message, details, options);
    this.name = 'CliError';
  }

  /** The process exit code this error ends the command with (from `exitCodeFor`). */
  get exitCode(): ExitCode {
    return exitCodeFor(this);
  }
}

/**
 * Codes that mean "the invocation, the document or the inputs were wrong": exit 2 when no
 * request was sent. The run errors among them are the caller's mistakes `runWorkflow` reports
 * before it sends anything.
 */
const USAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ...codesOf(CLI_ERROR_CODES, DOCUMENT_PROBLEM_CODES, SOURCE_PROBLEM_CODES, COMPILE_PROBLEM_CODES, LOAD_ERROR_CODES).filter(
    (code) => !(code in RUN_ERROR_CODES) && !(code in TRANSPORT_ERROR_CODES),
  ),
  'INPUT_INVALID',
  'WORKFLOW_NOT_FOUND',
  'RESUME_STATE_INVALID',
  'TLS_CONFIG_INVALID',
  // The queue commands: a run id or secret reference that cannot be used
  'QUEUE_RUN_ID_INVALID',
  'QUEUE_RUN_ID_CONFLICT',
  'QUEUE_RUN_NOT_FOUND',
  'QUEUE_SECRET_LITERAL',
  'QUEUE_SECRET_REFERENCE_INVALID',
]);

function codesOf(...tables: ReadonlyArray<Readonly<Partial<Record<ErrorCode, string>>>>): ErrorCode[] {
  return tables.flatMap((table) => Object.keys(table) as ErrorCode[]);
}

export interface ExitContext {
  /** At least one request went out: the run happened, so its failure is exit 1, never 2. */
  requestsSent?: boolean;
  /** The user interrupted the run (Ctrl-C). */
  cancelled?: boolean;
}

/**
 * The process exit code for how a command ended: `undefined` is success; an `ArazzoError` or a
 * run's `{ code }` maps by its code; anything else (an internal error) is 1, or 130 once the user
 * cancelled. The one place the CLI decides an exit code (docs/cli.md, "Exit codes").
 */
export function exitCodeFor(error: { readonly code: ErrorCode } | unknown, context: ExitContext = {}): ExitCode {
  if (error === undefined) return EXIT_SUCCEEDED;
  const code = codeOf(error);
  if (code !== undefined && !context.requestsSent && USAGE_CODES.has(code)) return EXIT_USAGE;
  if (context.cancelled || code === 'RUN_CANCELLED') return EXIT_CANCELLED;
  return EXIT_FAILED;
}

/**
 * Whether the command reports an error itself (`error CODE: message`, and the `--json` report),
 * rather than letting it escape as an internal error with its stack.
 */
export function isReportableError(error: unknown): error is ArazzoError {
  return error instanceof ArazzoError && error.code !== 'INTERNAL_ERROR';
}

function codeOf(error: unknown): ErrorCode | undefined {
  if (error instanceof ArazzoError) return error.code;
  if (error instanceof Error || typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? (code as ErrorCode) : undefined;
}
