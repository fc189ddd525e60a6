#!/usr/bin/env node
/**
 * Validate every Arazzo document under a folder and print one table: document, verdict, errors,
 * warnings and the codes found (with counts). A report, not a test: it exits 0 whatever the
 * documents say, and 2 only for bad usage. Not part of `npm test`.
 *
 *   npm run corpus -- <dir> [--strict] [--no-sources] [--json]
 *
 * A file is an Arazzo document when it is YAML or JSON whose root has an `arazzo` field. Each is
 * loaded as `arazzo validate` loads it (sources included, unless --no-sources), one at a time.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const args = process.argv.slice(2);
const flags = new Set(args.filter((a) => a.startsWith('--')));
const dirs = args.filter((a) => !a.startsWith('--'));
const known = new Set(['--strict', '--no-sources', '--json']);
const unknown = [...flags].filter((f) => !known.has(f));
if (dirs.length !== 1 || unknown.length > 0) {
  process.stderr.write(`usage: npm run corpus -- <dir> [--strict] [--no-sources] [--json]${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}\n`);
  process.exit(2);
}
const root = resolve(dirs[0]);

const { loadArazzo, DocumentError } = await import('../dist/index.js');
const { readDocument } = await import('../dist/document/read.js');

/** Every .yaml/.yml/.json file under `dir`, sorted, skipping node_modules and dot folders. */
function filesUnder(dir) {
  const out = [];
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop();
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const path = join(current, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isFile() && /\.(ya?ml|json)$/i.test(entry.name)) out.push(path);
    }
  }
  return out.sort();
}

/** Whether a file's root has an `arazzo` field (a file that does not parse is not a document here). */
async function isArazzo(file) {
  try {
    const { data } = await readDocument(file);
    return data !== null && typeof data === 'object' && !Array.isArray(data) && 'arazzo' in data;
  } catch {
    return false;
  }
}

if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
  process.stderr.write(`${dirs[0]} is not a directory\n`);
  process.exit(2);
}

const options = { ...(flags.has('--strict') ? { strict: true } : {}), ...(flags.has('--no-sources') ? { sources: false } : {}) };
const rows = [];
for (const file of filesUnder(root)) {
  if (!(await isArazzo(file))) continue;
  let problems;
  try {
    problems = [...(await loadArazzo(file, options)).warnings];
  } catch (err) {
    if (!(err instanceof DocumentError)) throw err;
    problems = err.problems;
  }
  const counts = new Map();
  for (const p of problems) counts.set(p.code, (counts.get(p.code) ?? 0) + 1);
  const errors = problems.filter((p) => p.severity === 'error').length;
  rows.push({
    document: relative(root, file),
    verdict: errors > 0 ? 'rejected' : 'accepted',
    errors,
    warnings: problems.length - errors,
    codes: [...counts].map(([code, n]) => (n > 1 ? `${code}×${n}` : code)).join(', '),
  });
}

if (flags.has('--json')) {
  process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
} else {
  const header = { document: 'document', verdict: 'verdict', errors: 'errors', warnings: 'warnings', codes: 'codes' };
  const cell = (value) => String(value).replaceAll('|', '\\|');
  process.stdout.write(`| ${Object.values(header).join(' | ')} |\n|---|---|---:|---:|---|\n`);
  for (const r of rows) process.stdout.write(`| ${[r.document, r.verdict, r.errors, r.warnings, r.codes || '—'].map(cell).join(' | ')} |\n`);
  const rejected = rows.filter((r) => r.verdict === 'rejected').length;
  process.stdout.write(`\n${rows.length} documents: ${rows.length - rejected} accepted, ${rejected} rejected.\n`);
}
