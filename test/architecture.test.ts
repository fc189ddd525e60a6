/**
 * The module map of docs/ARCHITECTURE.md, held against the import statements of src/: the layers
 * it lists (leaves first) are the only direction imports may take, and its list of known back-edges
 * is the only way round that. The document is the source of truth here, so neither the map nor the
 * code can change without the other.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const doc = readFileSync(join(root, 'docs/ARCHITECTURE.md'), 'utf8');

/** The text of the fenced block of docs/ARCHITECTURE.md whose info string is `name`. */
function fenced(name: string): string[] {
  const m = new RegExp(`^\`\`\`${name}\\n([\\s\\S]*?)^\`\`\``, 'm').exec(doc);
  expect(m, `docs/ARCHITECTURE.md has a \`\`\`${name} block`).not.toBeNull();
  return m![1]!
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter(Boolean);
}

/** Layer of each module: `L3  document  ...` lines; a module may import only from lower layers. */
function layers(): Map<string, number> {
  const rank = new Map<string, number>();
  for (const line of fenced('layers')) {
    const [label, ...modules] = line.split(/\s+/);
    const m = /^L(\d+)$/.exec(label ?? '');
    expect(m, `layer line "${line}" starts with L<n>`).not.toBeNull();
    for (const mod of modules) rank.set(mod, Number(m![1]));
  }
  return rank;
}

interface BackEdge {
  readonly from: string;
  readonly to: string;
  readonly typeOnly: boolean;
  readonly line: string;
}

/** `<from> -> <to> [type]`: `from` and `to` are a module or a file under src/. */
function backEdges(): BackEdge[] {
  return fenced('back-edges').map((line) => {
    const m = /^(\S+)\s*->\s*(\S+)(\s+type)?$/.exec(line);
    expect(m, `back-edge line "${line}" reads "<from> -> <to> [type]"`).not.toBeNull();
    return { from: m![1]!, to: m![2]!, typeOnly: m![3] !== undefined, line };
  });
}

interface Import {
  /** Both relative to src/, with .ts. */
  readonly from: string;
  readonly to: string;
  readonly typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Every import of a project file (static, `export … from`, `import()`, `import('…')` types). */
function importsOf(file: string): Array<{ specifier: string; typeOnly: boolean }> {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const found: Array<{ specifier: string; typeOnly: boolean }> = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const allNamedAreTypes =
        clause !== undefined &&
        clause.name === undefined &&
        bindings !== undefined &&
        ts.isNamedImports(bindings) &&
        bindings.elements.length > 0 &&
        bindings.elements.every((e) => e.isTypeOnly);
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: clause?.isTypeOnly === true || allNamedAreTypes });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.exportClause;
      const allNamedAreTypes = clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly || allNamedAreTypes });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteralLike(arg)) found.push({ specifier: arg.text, typeOnly: false });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ specifier: node.argument.literal.text, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

const files = sourceFiles(src);
const imports: Import[] = files.flatMap((file) =>
  importsOf(file)
    .filter((i) => i.specifier.startsWith('.'))
    .map((i) => ({
      from: relative(src, file),
      to: relative(src, join(dirname(file), i.specifier.replace(/\.js$/, '.ts'))),
      typeOnly: i.typeOnly,
    })),
);

/** `engine/core/next.ts` → `engine`; `load.ts` → `load`. */
const moduleOf = (path: string): string => (path.includes('/') ? path.slice(0, path.indexOf('/')) : path.replace(/\.ts$/, ''));
/** A module name or a path names this file. */
const covers = (name: string, path: string): boolean => path === name || path.startsWith(`${name}/`) || moduleOf(path) === name;

describe('docs/ARCHITECTURE.md module map', () => {
  it('finds the imports it checks (the scan is not empty)', () => {
    expect(files.length).toBeGreaterThan(100);
    // Known edges of each kind: a value import, a type-only import and a lazy import().
    expect(imports).toContainEqual({ from: 'load.ts', to: 'compile/compile.ts', typeOnly: false });
    expect(imports).toContainEqual({ from: 'engine/types.ts', to: 'compile/loaded.ts', typeOnly: true });
    expect(imports).toContainEqual({ from: 'cli/library.ts', to: 'load.ts', typeOnly: false });
    // Every import names a file that exists.
    const existing = new Set(files.map((f) => relative(src, f)));
    expect(imports.filter((i) => !existing.has(i.to))).toEqual([]);
  });

  it('lists every module of src/ in exactly one layer, and nothing that does not exist', () => {
    const rank = layers();
    const present = new Set(readdirSync(src).map((name) => name.replace(/\.ts$/, '')));
    expect([...present].filter((m) => !rank.has(m)).sort(), 'modules missing from the ```layers block').toEqual([]);
    expect([...rank.keys()].filter((m) => !present.has(m)).sort(), 'layers naming no module of src/').toEqual([]);
    const lines = fenced('layers').flatMap((line) => line.split(/\s+/).slice(1));
    expect(lines.length, 'each module in one layer only').toBe(new Set(lines).size);
  });

  it('has every import go down the layers, except the listed back-edges', () => {
    const rank = layers();
    const allowed = backEdges();
    const wrong = imports.filter((i) => {
      const a = moduleOf(i.from);
      const b = moduleOf(i.to);
      if (a === b || (rank.get(b) as number) < (rank.get(a) as number)) return false;
      return !allowed.some((e) => covers(e.from, i.from) && covers(e.to, i.to) && (i.typeOnly || !e.typeOnly));
    });
    const shown = wrong.map((i) => `${i.from} -> ${i.to}${i.typeOnly ? ' (type)' : ''}`);
    expect(shown, 'imports against the layers of docs/ARCHITECTURE.md: import from a lower layer, or document the edge').toEqual([]);
  });

  it('lists only back-edges that exist and do go against the layers', () => {
    const rank = layers();
    for (const edge of backEdges()) {
      const used = imports.filter((i) => covers(edge.from, i.from) && covers(edge.to, i.to));
      expect(used.length, `"${edge.line}" matches no import any more: remove it from docs/ARCHITECTURE.md`).toBeGreaterThan(0);
      const [a, b] = [moduleOf(used[0]!.from), moduleOf(used[0]!.to)];
      expect(rank.get(b)! >= rank.get(a)! && a !== b, `"${edge.line}" goes down the layers: it is no back-edge`).toBe(true);
    }
  });

  it('keeps the pure core (src/engine/core/) free of packages, Node built-ins and the interpreter', () => {
    const core = files.filter((f) => relative(src, f).startsWith('engine/core/'));
    expect(core.length).toBeGreaterThan(5);
    // What the core may use of the rest of src/engine: the plain-JSON state, the types, and a pure
    // reading of a response body. The interpreter, transports, clock, masker and TLS stay outside.
    const engineAllowed = new Set(['engine/state.ts', 'engine/types.ts', 'engine/response-message.ts']);
    const bad: string[] = [];
    for (const file of core) {
      const from = relative(src, file);
      for (const i of importsOf(file)) {
        if (!i.specifier.startsWith('.')) {
          bad.push(`${from} imports the package "${i.specifier}"`);
          continue;
        }
        const to = relative(src, join(dirname(file), i.specifier.replace(/\.js$/, '.ts')));
        if (to.startsWith('engine/') && !to.startsWith('engine/core/') && !engineAllowed.has(to)) bad.push(`${from} imports ${to}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('keeps the files the core may use of src/engine free of packages and Node built-ins too', () => {
    const bad: string[] = [];
    for (const path of ['engine/state.ts', 'engine/types.ts', 'engine/response-message.ts']) {
      for (const i of importsOf(join(src, path))) {
        if (!i.specifier.startsWith('.') && !i.typeOnly) bad.push(`${path} imports the package "${i.specifier}"`);
      }
    }
    expect(bad).toEqual([]);
  });
});
