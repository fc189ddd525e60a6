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
import type { InterruptSignal } from './io.js';

export const EXIT_SUCCEEDED = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
/** Ctrl-C (SIGINT), and any cancellation without a signal. */
export const EXIT_CANCELLED = 130;

/** The exit code of a run stopped by a signal, by the shell convention 128 + the signal number. */
const EXIT_BY_SIGNAL = { SIGINT: EXIT_CANCELLED, SIGTERM: 143, SIGHUP: 129 } as const satisfies Record<InterruptSignal, number>;

export type ExitCode = typeof EXIT_SUCCEEDED | typeof EXIT_FAILED | typeof EXIT_USAGE | (typeof EXIT_BY_SIGNAL)[InterruptSignal];

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
  'QUEUE_SEAL_KEY_INVALID',
]);

function codesOf(...tables: ReadonlyArray<Readonly<Partial<Record<ErrorCode, string>>>>): ErrorCode[] {
  return tables.flatMap((table) => Object.keys(table) as ErrorCode[]);
}

export interface ExitContext {
  /** At least one request went out: the run happened, so its failure is exit 1, never 2. */
  requestsSent?: boolean;
  /** The signal that stopped the command (Ctrl-C, SIGTERM, SIGHUP): 130, 143 or 129. */
  signal?: InterruptSignal;
  /** A contract check (`--check`) or a test (`arazzo test`) failed: a command that ended without an error exits 1. */
  checksFailed?: boolean;
}

/**
 * The process exit code for how a command ended: `undefined` is success (1 when a check or a test
 * failed); a command stopped by a
 * signal exits 128 + its number (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP; a cancellation without one
 * is 130); an `ArazzoError` or a run's `{ code }` maps by its code; anything else (an internal
 * error) is 1. The one place the CLI decides an exit code (docs/cli.md, "Exit codes").
 */
export function exitCodeFor(error: { readonly code: ErrorCode } | unknown, context: ExitContext = {}): ExitCode {
  if (error === undefined) return context.checksFailed ? EXIT_FAILED : EXIT_SUCCEEDED;
  const code = codeOf(error);
  if (code !== undefined && !context.requestsSent && USAGE_CODES.has(code)) return EXIT_USAGE;
  if (context.signal !== undefined) return EXIT_BY_SIGNAL[context.signal];
  if (code === 'RUN_CANCELLED') return EXIT_CANCELLED;
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
