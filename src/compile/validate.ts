/**
 * validateDocument: every check of a document that needs no source: its JSON Schema, then the
 * compile pass without sources (targets are checked against the declared sources and workflows,
 * not resolved). Every problem is returned at once, each with a stable code, a message saying what
 * to fix, a JSON path and, when the document came from text, its file, line and column.
 */
import type { Problem } from '../errors.js';
import type { Position } from '../document/read.js';
import type { ArazzoDocument, ArazzoVersion } from '../document/types.js';
import { checkDocumentShape } from '../document/validate.js';
import { prepareCriteria } from '../criteria/prepare.js';
import { compileDocument } from './compile.js';
import { prepareSchemaCheck } from './inputs.js';

export interface ValidateOptions {
  /** File path or URL the document came from; copied into every problem. */
  location?: string;
  /** Maps a JSON path to a 1-based line/column (from readDocument). */
  locate?: (path: string) => Position | undefined;
  /** Force a version instead of reading the root `arazzo` field. */
  version?: ArazzoVersion;
}

/**
 * Validate a parsed document without loading its sources. Resolves with every problem (errors and
 * warnings), in document order. Async because the selection engines its criteria use are imported
 * first (each once per process), as loading does.
 */
export async function validateDocument(data: unknown, options: ValidateOptions = {}): Promise<Problem[]> {
  const shape = checkDocumentShape(data, options.version);
  const problems = [...shape.problems];
  if (shape.version) {
    const [, schemas] = await Promise.all([prepareCriteria(data), prepareSchemaCheck(data as ArazzoDocument)]);
    const compiled = compileDocument({
      document: data as ArazzoDocument,
      version: shape.version,
      shapeProblems: shape.problems,
      ...(schemas ? { schemas } : {}),
    });
    problems.push(...compiled.problems);
  }
  return locateAll(problems, options);
}

function locateAll(problems: Problem[], options: ValidateOptions): Problem[] {
  const located = problems.map((problem, index) => {
    const position = options.locate?.(problem.path);
    return {
      index,
      problem: {
        ...problem,
        ...(options.location !== undefined ? { file: options.location } : {}),
        ...(position ? { line: position.line, column: position.column } : {}),
      },
    };
  });
  located.sort(
    (a, b) =>
      (a.problem.line ?? Number.MAX_SAFE_INTEGER) - (b.problem.line ?? Number.MAX_SAFE_INTEGER) ||
      (a.problem.column ?? 0) - (b.problem.column ?? 0) ||
      a.index - b.index,
  );
  return located.map((entry) => entry.problem);
}
