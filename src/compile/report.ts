/**
 * The one way the compile walk reports a problem. Every check calls `report` (or its `error` and
 * `warn` shorthands) as soon as it finds something; the reporter adds the file and settles the
 * severity, so a `strict` load can turn warnings into errors in this one place.
 */
import type { ErrorCode } from '../error-codes.js';
import type { Problem, Severity } from '../errors.js';

/** A problem as a check finds it: the reporter adds the file (and the loader the line and column). */
export interface Finding {
  readonly code: ErrorCode;
  readonly severity: Severity;
  /** JSON path into the document. */
  readonly path: string;
  readonly message: string;
}

export interface ReporterOptions {
  /** File path or URL of the document, copied into every problem. */
  readonly file?: string;
  /** Whether a warning is reported as an error (a strict load). Default: never. */
  readonly escalate?: (finding: Finding) => boolean;
}

export class Reporter {
  readonly problems: Problem[] = [];

  constructor(private readonly options: ReporterOptions = {}) {}

  report(finding: Finding): void {
    const escalated = finding.severity === 'warning' && this.options.escalate?.(finding) === true;
    const severity = escalated ? 'error' : finding.severity;
    const message = escalated ? `${finding.message} (An error because loading is strict.)` : finding.message;
    const file = this.options.file;
    this.problems.push({ code: finding.code, message, severity, path: finding.path, ...(file !== undefined ? { file } : {}) });
  }

  error(code: ErrorCode, path: string, message: string): void {
    this.report({ code, severity: 'error', path, message });
  }

  warn(code: ErrorCode, path: string, message: string): void {
    this.report({ code, severity: 'warning', path, message });
  }
}
