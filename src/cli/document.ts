/**
 * A light read of an Arazzo document as plain data (YAML or JSON), for the commands that only
 * need its shape (`list`, `graph`) and for the CLI's view of workflow inputs. It goes through the
 * one reader, with the same limits as `validate`, but no sources are fetched and no expressions
 * are compiled, so these commands stay fast.
 */
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ArazzoDocument, Workflow } from '../document/types.js';
import { readDocument } from '../document/read.js';
export { enableReadCache } from '../reader/cache.js';
import { DocumentError } from '../errors.js';
import { CliError } from './errors.js';
import { didYouMean } from '../util/suggest.js';

const DOCUMENT_FILE = /\.(ya?ml|json)$/i;

/**
 * Check a local document path before any command reads it, so a typo or a directory gets one
 * clear line (with the closest file name, or the documents the directory holds) instead of a
 * stack trace. URLs are left to the reader.
 */
export async function checkDocumentPath(file: string): Promise<void> {
  if (/^https?:\/\//i.test(file)) return;
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(file)).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const dir = dirname(file);
      const siblings = (await listDocuments(dir)).map((n) => (dir === '.' && !file.startsWith('./') ? n : join(dir, n)));
      throw new CliError('FILE_NOT_FOUND', `No such file: ${file}.${didYouMean(file, siblings)} Check the path.`, { file }, { cause: err });
    }
    throw new CliError('FILE_UNREADABLE', `Could not read ${file}: ${(err as Error).message}.`, { file }, { cause: err });
  }
  if (isDirectory) {
    const docs = (await listDocuments(file)).map((n) => join(file, n));
    const shown = docs.length > 0 ? ` It holds: ${docs.slice(0, 8).join(', ')}${docs.length > 8 ? `, … (${docs.length} in all)` : ''}.` : '';
    throw new CliError('FILE_UNREADABLE', `${file} is a directory; give the path of one Arazzo document.${shown}`, { file });
  }
}

/** The YAML/JSON files of a directory, sorted; none when it cannot be read. */
async function listDocuments(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isFile() && DOCUMENT_FILE.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3 };

/**
 * The `--max-source-bytes` flag (validate, list, graph, run) as load options: a whole number of
 * bytes, optionally with a binary unit (`128MiB`, `512k`, `1G`).
 */
export function readOptionsFromFlags(flags: Record<string, unknown>): PlainReadOptions {
  const raw = flags['max-source-bytes'];
  if (raw === undefined) return {};
  const match = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(String(raw));
  const unit = SIZE_UNITS[match?.[2]?.toLowerCase() ?? 'x'];
  const bytes = match && unit ? Number(match[1]) * unit : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new CliError('CLI_USAGE', `--max-source-bytes must be a size such as 134217728, 128MiB or 512k, not "${String(raw)}".`, {
      flag: '--max-source-bytes',
    });
  }
  return { maxSourceBytes: bytes };
}

export interface PlainReadOptions {
  /** Size cap in bytes (the --max-source-bytes flag); default the reader's. */
  readonly maxSourceBytes?: number;
}

/** What the flags of a command that loads a document ask of the load. */
export interface CliLoadOptions extends PlainReadOptions {
  /** `--strict`: other runners' spellings are errors (LoadOptions.strict). */
  readonly strict?: boolean;
  /** `--no-sources` (validate): check the document without reading its sources (LoadOptions.sources). */
  readonly sources?: boolean;
}

/** The load options of `--max-source-bytes`, `--strict` and `--no-sources`. */
export function loadOptionsFromFlags(flags: Record<string, unknown>): CliLoadOptions {
  return {
    ...readOptionsFromFlags(flags),
    ...(flags.strict === true ? { strict: true } : {}),
    ...(flags['no-sources'] === true ? { sources: false } : {}),
  };
}

/**
 * Read the document as plain data through the same reader as `validate` (size cap, timeout,
 * YAML safety and limits), and check the bare minimum the caller relies on.
 */
export async function readPlainDocument(file: string, options: PlainReadOptions = {}): Promise<ArazzoDocument> {
  let data: unknown;
  try {
    data = (await readDocument(file, options.maxSourceBytes !== undefined ? { maxBytes: options.maxSourceBytes } : {})).data;
  } catch (err) {
    if (!(err instanceof DocumentError)) throw err;
    const first = err.problems.find((p) => p.severity === 'error') ?? err.problems[0]!;
    const where = first.line !== undefined ? `${file}:${first.line}:${first.column ?? 1}  ` : '';
    const fix = first.line !== undefined ? ` Fix it, then run "arazzo validate ${file}" for every problem.` : '';
    throw new CliError(first.code, `${where}${first.message}${fix}`, { file }, { cause: err });
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new CliError('DOCUMENT_INVALID', `${file} is not an Arazzo document: expected an object with "arazzo" and "workflows".`, { file });
  }
  const doc = data as Partial<ArazzoDocument>;
  if (!Array.isArray(doc.workflows)) {
    throw new CliError('DOCUMENT_INVALID', `${file} has no "workflows" list; run "arazzo validate ${file}" for details.`, { file });
  }
  doc.workflows = doc.workflows.filter((w): w is Workflow => w !== null && typeof w === 'object' && typeof (w as Workflow).workflowId === 'string');
  return doc as ArazzoDocument;
}

/**
 * Pick the workflow to run or draw: the one named, or the only one. Errors list the ids and
 * suggest the closest.
 */
export function selectWorkflow(doc: ArazzoDocument, requested: string | undefined, file: string): Workflow {
  const ids = doc.workflows.map((w) => w.workflowId);
  if (requested === undefined) {
    if (doc.workflows.length === 1) return doc.workflows[0]!;
    throw new CliError('WORKFLOW_REQUIRED', `${file} has ${ids.length} workflows; choose one with --workflow <id>: ${ids.join(', ')}.`, { workflows: ids });
  }
  const found = doc.workflows.find((w) => w.workflowId === requested);
  if (found) return found;
  throw new CliError('WORKFLOW_NOT_FOUND', `No workflow "${requested}" in ${file}.${didYouMean(requested, ids)} Workflows: ${ids.join(', ')}.`, {
    workflowId: requested,
    workflows: ids,
  });
}

// ------------------------------------------------------------------ input schemas

// One description of a workflow's inputs for the CLI and the library (src/document/inputs.ts).
export { describeInputs, type WorkflowInput as InputDescription, type InputsShape } from '../document/inputs.js';
