/**
 * `npm run corpus -- <dir>` (scripts/corpus.mjs): validates every Arazzo document under a folder
 * and prints one table. Checked here on fixtures of our own; the third-party corpus is not in the
 * repository.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './cli-helpers.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'corpus');
const corpus = (...args: string[]): string => execFileSync(process.execPath, [join(ROOT, 'scripts', 'corpus.mjs'), ...args], { cwd: ROOT, encoding: 'utf8' });

describe('the corpus script', () => {
  it('prints document, verdict, errors, warnings and codes for every Arazzo document under a folder, and skips other files', () => {
    expect(corpus(FIXTURES).split('\n')).toEqual([
      '| document | verdict | errors | warnings | codes |',
      '|---|---|---:|---:|---|',
      '| broken.json | rejected | 2 | 0 | OPERATION_NOT_FOUND, STEP_OUTPUT_UNDECLARED |',
      '| clean.arazzo.yaml | accepted | 0 | 0 | — |',
      '| nested/dialect.arazzo.yaml | accepted | 0 | 2 | DIALECT_SOURCE_DOT_OPERATION_ID, DIALECT_BODY_DOT_PATH |',
      '',
      '3 documents: 2 accepted, 1 rejected.',
      '',
    ]);
  });

  it('passes --strict and --no-sources to the loads, and prints JSON with --json', () => {
    const rows = JSON.parse(corpus(FIXTURES, '--strict', '--no-sources', '--json')) as Array<{ document: string; verdict: string; codes: string }>;
    expect(rows.map((r) => [r.document, r.verdict, r.codes])).toEqual([
      ['broken.json', 'rejected', 'SOURCES_SKIPPED, STEP_OUTPUT_UNDECLARED'],
      ['clean.arazzo.yaml', 'accepted', 'SOURCES_SKIPPED'],
      ['nested/dialect.arazzo.yaml', 'rejected', 'SOURCES_SKIPPED, DIALECT_BODY_DOT_PATH'],
    ]);
  });

  it('refuses bad usage with exit 2', () => {
    expect(() => execFileSync(process.execPath, [join(ROOT, 'scripts', 'corpus.mjs')], { stdio: 'pipe' })).toThrow(/usage: npm run corpus/);
  });
});
