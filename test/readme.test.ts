import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/error-codes.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(`${root}/README.md`, 'utf8');

describe('README', () => {
  it('shows the embedding example exactly as examples/embed.mjs, and that file runs green', () => {
    const example = readFileSync(`${root}/examples/embed.mjs`, 'utf8');
    expect(readme).toContain(`\`\`\`js\n${example}\`\`\``);

    const run = spawnSync(process.execPath, ['examples/embed.mjs'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^createEndpoint succeeded HTTP 200/m);
    expect(run.stdout).toMatch(/^succeeded \{/m);
    expect(run.stdout).toContain("state: 'running'");
    expect(run.stdout).not.toContain('hf_simulator_token');
  });

  it('gives the two set-up commands, and both are real npm scripts', () => {
    expect(readme).toContain('npm install && npm run demo');
    expect(readme).toMatch(/^npm test\s/m);
    const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.demo).toContain('build');
    expect(pkg.scripts.test).toContain('vitest run');
    const ci = readFileSync(`${root}/.ci/run`, 'utf8');
    expect(ci).toContain('npm ci');
    expect(ci).toContain('npm test');
  });
});

/**
 * The names the docs give a library user, against what the package exports (src/index.ts, values
 * and types): a name in backticks that is a type, a class or a constant (capitalised), or that is
 * called (`name(`), in README's "Embedding the engine" and in docs/engine.md. Not counted: error
 * codes, names of the platform and of undici, and docs/engine.md's section on the core, whose
 * modules are internal (it says so). Members are written qualified (`clock.advance(ms)`).
 */
describe('the library names the docs mention', () => {
  const exported = (): Set<string> => {
    const index = readFileSync(`${root}/src/index.ts`, 'utf8');
    const names = new Set<string>();
    for (const block of index.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
      for (const item of block[1]!.split(',')) {
        const name = item
          .trim()
          .split(/\s+as\s+/)
          .pop()
          ?.trim();
        if (name) names.add(name);
      }
    }
    return names;
  };
  const PLATFORM = new Set([
    'AbortSignal',
    'AggregateError',
    'AbortController',
    'Agent',
    'Dispatcher',
    'EnvHttpProxyAgent',
    'MockAgent',
    'ProxyAgent',
    'request',
    'setImmediate',
    'fetch',
    'dispatch',
  ]);
  const HEADERS = new Set(['Authorization', 'Proxy-Authorization', 'Basic', 'Bearer', 'Cookie', 'Set-Cookie', 'Retry-After']);
  const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE']);

  function mentioned(text: string): Set<string> {
    const names = new Set<string>();
    for (const m of text.matchAll(/`([^`\n]+)`/g)) {
      const id = /^(?:new\s+)?([A-Za-z_$][\w$]*)(\(|<|$)/.exec(m[1]!.trim());
      if (!id) continue;
      const [, name, after] = id as unknown as [string, string, string];
      if (after === '(' || /^[A-Z]/.test(name)) names.add(name);
    }
    return names;
  }

  it('are each exported by the package (or are error codes, platform names or headers)', () => {
    const engine = readFileSync(`${root}/docs/engine.md`, 'utf8');
    const core = engine.indexOf('## The core');
    const afterCore = engine.indexOf('\n## ', core + 1);
    expect(core, 'docs/engine.md has its section on the core').toBeGreaterThan(0);
    const embedding = readme.slice(readme.indexOf('## Embedding the engine'), readme.indexOf('\n## ', readme.indexOf('## Embedding the engine') + 1));
    const texts = [embedding, engine.slice(0, core), engine.slice(afterCore)];
    const exports = exported();
    const missing = [...new Set(texts.flatMap((t) => [...mentioned(t)]))].filter(
      (name) => !exports.has(name) && !ERROR_CODES.has(name) && !PLATFORM.has(name) && !HEADERS.has(name) && !METHODS.has(name) && !/_PROXY$/.test(name),
    );
    expect(missing).toEqual([]);
  });

  it('imported from arazzo-engine in the README, the docs and the examples, are exported', () => {
    const files = ['README.md', ...readdirSync(`${root}/docs`).map((f) => `docs/${f}`), 'examples/embed.mjs', 'examples/petstore/embed.mjs'];
    const exports = exported();
    for (const file of files) {
      const text = readFileSync(`${root}/${file}`, 'utf8');
      for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'arazzo-engine'/g)) {
        for (const name of m[1]!
          .split(',')
          .map((n) => n.trim().replace(/^type\s+/, ''))
          .filter(Boolean))
          expect(exports.has(name), `${file}: ${name}`).toBe(true);
      }
    }
  });

  it('docs/engine.md says the core is internal, and README documents describeWorkflows and RunState', () => {
    const engine = readFileSync(`${root}/docs/engine.md`, 'utf8');
    expect(engine.slice(engine.indexOf('## The core'))).toMatch(/not exported by the package/);
    expect(readme).toMatch(/\*\*`describeWorkflows\(document\)`\*\*/);
    expect(readme).toContain('`RunState`');
  });
});
