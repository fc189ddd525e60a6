/**
 * Documents written by a test to a scratch folder and loaded from there, so their problems have
 * lines and columns: `{API}` and `{OTHER}` in the text become the file URLs of the OpenAPI
 * descriptions in test/fixtures/dialects/.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll } from 'vitest';
import { DocumentError, type Problem } from '../src/errors.js';
import { type LoadOptions, loadArazzo } from '../src/index.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/dialects/', import.meta.url));
export const API = pathToFileURL(join(FIXTURES, 'api.openapi.yaml')).href;
export const OTHER = pathToFileURL(join(FIXTURES, 'other.openapi.yaml')).href;

/** The head of a document whose one source, `api`, is the dialects fixture API. */
export const head = (title: string): string => `arazzo: 1.0.1
info: { title: ${title}, version: '1' }
sourceDescriptions:
  - name: api
    url: {API}
    type: openapi
`;

/** A scratch folder for the calling test file, removed after it. */
export function scratchDocuments(prefix: string): {
  write(text: string): string;
  problemsOf(text: string, options?: LoadOptions): Promise<{ summary: string[]; problems: Problem[]; loaded: boolean }>;
  readonly dir: string;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let files = 0;
  const write = (text: string): string => {
    const file = join(dir, `doc-${files++}.arazzo.yaml`);
    writeFileSync(file, text.replaceAll('{API}', API).replaceAll('{OTHER}', OTHER));
    return file;
  };
  return {
    dir,
    write,
    /** The problems of loading `text`: its warnings when it loads, its problems when it does not. */
    async problemsOf(text, options = {}) {
      try {
        const doc = await loadArazzo(write(text), options);
        return { summary: summarize(doc.warnings), problems: [...doc.warnings], loaded: true };
      } catch (err) {
        if (!(err instanceof DocumentError)) throw err;
        return { summary: summarize(err.problems), problems: err.problems, loaded: false };
      }
    },
  };
}

/** Problems as `severity CODE@line:col`. */
export const summarize = (problems: readonly Problem[]): string[] => problems.map((p) => `${p.severity} ${p.code}@${p.line}:${p.column}`);
