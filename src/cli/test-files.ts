/**
 * The documents `arazzo test` runs: files as given, directories searched for `*.arazzo.yaml`,
 * `*.arazzo.yml` and `*.arazzo.json`, and glob patterns (`*`, `**`, `?`, `[…]`, `{a,b}`) expanded
 * here, so a quoted pattern behaves the same in every shell and in CI. URLs pass through.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { checkDocumentPath } from './document.js';
import { CliError } from './errors.js';

/** What a directory contributes: Arazzo documents by their conventional name. */
export const ARAZZO_FILE = /\.arazzo\.(ya?ml|json)$/i;
/** Directories never searched. */
const SKIPPED_DIRS = new Set(['node_modules', '.git']);
const GLOB_CHARS = /[*?[{]/;

/** The documents to test, in the order given, each once. Throws CliError (exit 2) for a path or pattern that finds nothing. */
export async function findTestFiles(args: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const add = (file: string): void => {
    if (!out.includes(file)) out.push(file);
  };
  for (const arg of args) {
    if (/^https?:\/\//i.test(arg)) {
      add(arg);
      continue;
    }
    const kind = await kindOf(arg);
    if (kind === 'file') add(arg);
    else if (kind === 'dir') {
      const found = (await walk(arg)).filter((f) => ARAZZO_FILE.test(f));
      if (found.length === 0) {
        throw new CliError(
          'FILE_NOT_FOUND',
          `${arg} holds no Arazzo document: a directory contributes the files named *.arazzo.yaml, *.arazzo.yml or *.arazzo.json. Name the files, or pass them one by one.`,
          { file: arg },
        );
      }
      for (const f of found) add(f);
    } else if (GLOB_CHARS.test(arg)) {
      const found = await expandGlob(arg);
      if (found.length === 0) throw new CliError('FILE_NOT_FOUND', `The pattern ${arg} matches no file.`, { file: arg });
      for (const f of found) add(f);
    } else {
      await checkDocumentPath(arg); // throws the usual "No such file … did you mean"
      add(arg);
    }
  }
  return out;
}

async function kindOf(path: string): Promise<'file' | 'dir' | undefined> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}

/** Every file under `dir`, sorted, depth first; unreadable directories are skipped. */
async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop() as string;
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const path = join(current, e.name);
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name) && !e.name.startsWith('.')) pending.push(path);
      } else if (e.isFile()) out.push(path);
    }
  }
  return out.sort();
}

/** The files a glob pattern matches, sorted. The search starts at the pattern's fixed leading directories. */
export async function expandGlob(pattern: string): Promise<string[]> {
  const parts = pattern.split(/[\\/]/);
  const fixed: string[] = [];
  while (parts.length > 1 && !GLOB_CHARS.test(parts[0] as string)) fixed.push(parts.shift() as string);
  const base = fixed.length === 0 ? '.' : fixed.join('/') || '/';
  const matcher = globToRegExp(parts.join('/'));
  const files = await walk(base);
  return files.filter((f) => matcher.test(relative(base, f).split(sep).join('/')));
}

/** A glob (relative, `/`-separated) as an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') {
          i++;
          re += '(?:[^/]*/)*';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        re += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else if (c === '{') {
      braces++;
      re += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      re += ')';
    } else if (c === ',' && braces > 0) re += '|';
    else re += c.replace(/[.+^$()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
