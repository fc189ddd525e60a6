import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { CLI_ERROR_CODES, ERROR_CODE_TABLES, ERROR_CODES, type ErrorCode, isErrorCode } from '../src/error-codes.js';
import { ArazzoError, DocumentError } from '../src/errors.js';
import { CliError, EXIT_CANCELLED, EXIT_FAILED, EXIT_SUCCEEDED, EXIT_USAGE, exitCodeFor } from '../src/cli/errors.js';
import * as api from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const CODE = /`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`/g;

/** The codes written in backticks between two headings of a Markdown file. */
function codesBetween(file: string, from: string, to: string): Set<string> {
  const text = readFileSync(`${root}/${file}`, 'utf8');
  const start = text.indexOf(from);
  const end = text.indexOf(to, start);
  expect(start, `${file} has a "${from}" heading`).toBeGreaterThanOrEqual(0);
  expect(end, `${file} has a "${to}" heading after "${from}"`).toBeGreaterThan(start);
  return new Set([...text.slice(start, end).matchAll(CODE)].map((m) => m[1]!));
}

describe('error codes', () => {
  it('README.md documents every code of the ErrorCode union, and lists no other', () => {
    const documented = codesBetween('README.md', '## Reference', '## Benchmarks');
    expect([...ERROR_CODES].filter((code) => !documented.has(code)).sort()).toEqual([]);
    expect([...documented].filter((code) => !isErrorCode(code)).sort()).toEqual([]);
  });

  it("docs/cli.md's table of command-line codes holds every CLI code, and only known codes", () => {
    const documented = codesBetween('docs/cli.md', '## Error codes of the command line', '## Start-up');
    expect(Object.keys(CLI_ERROR_CODES).filter((code) => !documented.has(code))).toEqual([]);
    expect([...documented].filter((code) => !isErrorCode(code))).toEqual([]);
  });

  it('each table describes each of its codes', () => {
    for (const [name, table] of Object.entries(ERROR_CODE_TABLES)) {
      for (const [code, meaning] of Object.entries(table)) {
        expect(meaning.length, `${name}.${code}`).toBeGreaterThan(10);
      }
    }
  });

  it('are exported from the package entry for embedders', () => {
    expect(api.ERROR_CODES).toBe(ERROR_CODES);
    expect(api.isErrorCode('STEP_FAILED')).toBe(true);
    expect(api.isErrorCode('INTERNAL')).toBe(false);
    expect(api.isErrorCode(42)).toBe(false);
  });

  it('tsc rejects a code that is in no table, for ArazzoError and for Problem', () => {
    const file = fileURLToPath(new URL('./__error-code-typecheck.ts', import.meta.url));
    const source = [
      "import { ArazzoError, type Problem } from '../src/errors.js';",
      "new ArazzoError('STEP_FAILED', 'known');",
      "new ArazzoError('NOT_A_CODE', 'unknown');",
      "export const p: Problem = { code: 'ALSO_NOT_A_CODE', message: 'm', severity: 'error', path: '$' };",
      '',
    ].join('\n');
    const host = ts.createCompilerHost({});
    const getSourceFile = host.getSourceFile.bind(host);
    const fileExists = host.fileExists.bind(host);
    host.getSourceFile = (name, language, ...rest) => (name === file ? ts.createSourceFile(name, source, language) : getSourceFile(name, language, ...rest));
    host.fileExists = (name) => name === file || fileExists(name);
    const program = ts.createProgram(
      [file],
      {
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        target: ts.ScriptTarget.ES2022,
        lib: ['lib.es2023.d.ts'],
        types: [],
      },
      host,
    );
    const messages = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(messages).toEqual([
      `Argument of type '"NOT_A_CODE"' is not assignable to parameter of type 'ErrorCode'.`,
      `Type '"ALSO_NOT_A_CODE"' is not assignable to type 'ErrorCode'.`,
    ]);
  });

  it('keep the wrapped error as Error.cause', () => {
    const cause = new TypeError('boom');
    const err = new ArazzoError('INTERNAL_ERROR', 'wrapped', undefined, { cause });
    expect(err.cause).toBe(cause);
    expect(new CliError('CLI_USAGE', 'x', undefined, { cause }).cause).toBe(cause);
  });
});

describe('exit codes: one mapping', () => {
  const err = (code: ErrorCode) => new ArazzoError(code, 'm');

  it('success is 0; document, source, CLI and input mistakes are 2; run failures are 1', () => {
    expect(exitCodeFor(undefined)).toBe(EXIT_SUCCEEDED);
    expect(exitCodeFor(new DocumentError([]))).toBe(EXIT_USAGE);
    for (const code of ['YAML_SYNTAX', 'SOURCE_NOT_FOUND', 'CLI_UNKNOWN_FLAG', 'SERVER_UNKNOWN_SOURCE', 'INPUT_INVALID', 'WORKFLOW_NOT_FOUND'] as const) {
      expect(exitCodeFor(err(code)), code).toBe(EXIT_USAGE);
    }
    for (const code of ['STEP_FAILED', 'CRITERION_FAILED', 'HTTP_CONNECTION', 'RUN_TIMEOUT', 'JSON_POINTER_SYNTAX', 'INTERNAL_ERROR'] as const) {
      expect(exitCodeFor(err(code)), code).toBe(EXIT_FAILED);
    }
  });

  it('a run that sent a request never exits 2, even for an input error of a nested workflow', () => {
    expect(exitCodeFor({ code: 'INPUT_INVALID' }, { requestsSent: true })).toBe(EXIT_FAILED);
  });

  it('a cancelled run is 130; an error that is not an ArazzoError is an internal failure, 1', () => {
    expect(exitCodeFor(err('RUN_CANCELLED'))).toBe(EXIT_CANCELLED);
    expect(exitCodeFor({ code: 'HTTP_CONNECTION' }, { requestsSent: true, signal: 'SIGINT' })).toBe(EXIT_CANCELLED);
    expect(exitCodeFor(new TypeError('x'))).toBe(EXIT_FAILED);
  });

  it('a run stopped by a signal exits 128 + its number: Ctrl-C 130, SIGTERM 143, SIGHUP 129', () => {
    expect(exitCodeFor(err('RUN_CANCELLED'), { signal: 'SIGINT' })).toBe(130);
    expect(exitCodeFor(err('RUN_CANCELLED'), { signal: 'SIGTERM' })).toBe(143);
    expect(exitCodeFor({ code: 'RUN_CANCELLED' }, { requestsSent: true, signal: 'SIGHUP' })).toBe(129);
    // A run that succeeded before the signal took effect still succeeded.
    expect(exitCodeFor(undefined, { signal: 'SIGTERM' })).toBe(EXIT_SUCCEEDED);
    // A run or a test session that ended without an error, but with a failed check or test, failed.
    expect(exitCodeFor(undefined, { checksFailed: true })).toBe(EXIT_FAILED);
  });

  it('is the only place in the command line that turns how a command ended into a number', () => {
    const dir = join(root, 'src', 'cli');
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'errors.ts')) {
      const text = readFileSync(join(dir, name), 'utf8');
      // No exit with a literal code or a table of its own, and no failure or signal code returned as a number.
      expect(text, name).not.toMatch(/exit\(\s*\d/);
      expect(text, name).not.toMatch(/process\.exit\(\s*EXIT_/);
      expect(text, name).not.toMatch(/\?\s*EXIT_[A-Z]+\s*:/);
      expect(text, name).not.toMatch(/EXIT_BY_SIGNAL/);
    }
  });
});
