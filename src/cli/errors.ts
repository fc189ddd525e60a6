/**
 * Errors the command line raises itself. Each has a stable code (documented in docs/cli.md) and
 * the process exit code it maps to.
 */
import { ArazzoError } from '../errors.js';

export const EXIT_SUCCEEDED = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_CANCELLED = 130;

/**
 * A problem with how the command was invoked or with what it was given (flags, files, inputs):
 * always exit 2, and always before any request is sent.
 */
export class CliError extends ArazzoError {
  readonly exitCode: number;

  constructor(code: string, message: string, details?: Record<string, unknown>, exitCode = EXIT_USAGE) {
    super(code, message, details);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
