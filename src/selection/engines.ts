/**
 * The third-party engines behind selection and criteria, loaded lazily and once each with
 * `await import()`.
 *
 * Conditions, queries and patterns are compiled synchronously at load, so the loader first awaits
 * `loadSelectionEngines(needs)` with what the document uses; compiling then reads the loaded module
 * through `engine(name)`. A document without XPath never loads fontoxpath, one without JSONPath
 * never loads json-p3, and so on. Compiling with an engine that was not prepared is a programming
 * error: it throws EngineNotLoadedError, which says which engine to load.
 *
 * | engine     | package(s)             | used for                                                 |
 * |------------|------------------------|----------------------------------------------------------|
 * | `jsep`     | jsep                   | the condition language (simple, jsonpath comparison form) |
 * | `jsonpath` | json-p3 (+ re2js)      | RFC 9535 queries; `match()`/`search()` run on RE2         |
 * | `goessner` | jsonpath-plus          | draft-goessner-dispatch-jsonpath-00 queries               |
 * | `xpath`    | fontoxpath, slimdom    | XPath 3.1 over XML                                        |
 * | `regex`    | re2js                  | regex criteria and JSON Schema `pattern` (linear time)    |
 */
import type jsepType from 'jsep';

export interface SelectionNeeds {
  readonly jsep?: boolean;
  readonly jsonpath?: boolean;
  readonly goessner?: boolean;
  readonly xpath?: boolean;
  readonly regex?: boolean;
}

export type SelectionEngine = keyof SelectionNeeds;

export const SELECTION_ENGINES: readonly SelectionEngine[] = ['jsep', 'jsonpath', 'goessner', 'xpath', 'regex'];

export interface XPathModules {
  readonly fontoxpath: typeof import('fontoxpath');
  readonly slimdom: typeof import('slimdom');
}

export interface EngineModules {
  readonly jsep: typeof jsepType;
  readonly jsonpath: typeof import('json-p3');
  readonly goessner: typeof import('jsonpath-plus');
  readonly xpath: XPathModules;
  readonly regex: typeof import('re2js');
}

type Loaded = { -readonly [K in SelectionEngine]?: EngineModules[K] };

const loaded: Loaded = {};
const pending: { [K in SelectionEngine]?: Promise<void> } = {};

const importers: { [K in SelectionEngine]: () => Promise<EngineModules[K]> } = {
  jsep: async () => (await import('jsep')).default,
  jsonpath: () => import('json-p3'),
  goessner: () => import('jsonpath-plus'),
  xpath: async () => {
    const [fontoxpath, slimdom] = await Promise.all([import('fontoxpath'), import('slimdom')]);
    // fontoxpath is a UMD bundle: Node exposes its exports only as the default export.
    const fx = ((fontoxpath as { default?: unknown }).default ?? fontoxpath) as typeof import('fontoxpath');
    return { fontoxpath: fx, slimdom };
  },
  regex: () => import('re2js'),
};

/** Engines an engine needs in turn: JSONPath's `match()` and `search()` run on RE2. */
const requires: { [K in SelectionEngine]?: readonly SelectionEngine[] } = { jsonpath: ['regex'] };

function loadOne<K extends SelectionEngine>(name: K): Promise<void> {
  let promise = pending[name];
  if (!promise) {
    promise = importers[name]().then(
      (module) => {
        (loaded as Record<K, EngineModules[K]>)[name] = module;
      },
      (err: unknown) => {
        delete pending[name];
        throw err;
      },
    );
    pending[name] = promise;
  }
  return promise;
}

/**
 * Imports the engines in `needs` (each package at most once per process); `'all'` imports every
 * one. Resolves when they can be used synchronously.
 */
export async function loadSelectionEngines(needs: SelectionNeeds | 'all'): Promise<void> {
  const names = new Set<SelectionEngine>();
  for (const name of SELECTION_ENGINES) {
    if (needs !== 'all' && !needs[name]) continue;
    names.add(name);
    for (const dep of requires[name] ?? []) names.add(dep);
  }
  const missing = [...names].filter((n) => loaded[n] === undefined);
  if (missing.length > 0) await Promise.all(missing.map(loadOne));
}

/** Whether an engine has been loaded (tests use it to check that loading stays lazy). */
export function isEngineLoaded(name: SelectionEngine): boolean {
  return loaded[name] !== undefined;
}

/** Thrown when code compiles with an engine that `loadSelectionEngines` did not load: a programming error. */
export class EngineNotLoadedError extends Error {
  constructor(readonly engine: SelectionEngine) {
    super(
      `The ${engine} engine is not loaded: await loadSelectionEngines({ ${engine}: true }) before compiling (loadArazzo does this for the documents it loads).`,
    );
    this.name = 'EngineNotLoadedError';
  }
}

/** The loaded module of an engine; throws EngineNotLoadedError when it was not loaded first. */
export function engine<K extends SelectionEngine>(name: K): EngineModules[K] {
  const module = loaded[name];
  if (module === undefined) throw new EngineNotLoadedError(name);
  return module as EngineModules[K];
}
