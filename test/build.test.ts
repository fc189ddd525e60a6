/**
 * Build once: `npm install` (prepare), `npm run demo` and `npm test` (the global setup) all go
 * through scripts/build.mjs, which runs tsc only when dist/ is older than the sources. A fresh clone
 * running `npm install && npm run demo` compiles once.
 */
import { mkdirSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildIfStale, STAMP, staleReason } from '../scripts/build.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

/** A project with one source file, and a tsc double that writes dist/ and counts its calls. */
function project(): { dir: string; tsc: (dir: string) => { ok: boolean; output: string }; calls: () => number; touch: (file: string, at: Date) => void } {
  const dir = mkdtempSync(join(tmpdir(), 'arazzo-build-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'a.ts'), 'export const a = 1;\n');
  writeFileSync(join(dir, 'tsconfig.json'), '{}\n');
  writeFileSync(join(dir, 'package.json'), '{}\n');
  let calls = 0;
  const past = new Date(Date.now() - 60_000);
  for (const f of ['src/a.ts', 'tsconfig.json', 'package.json']) utimesSync(join(dir, f), past, past);
  return {
    dir,
    tsc: (d) => {
      calls++;
      mkdirSync(join(d, 'dist'), { recursive: true });
      return { ok: true, output: '' };
    },
    calls: () => calls,
    touch: (file, at) => utimesSync(join(dir, file), at, at),
  };
}

const quiet = () => {};

describe('scripts/build.mjs', () => {
  it('builds a fresh clone once: the second call (npm run demo after npm install) finds dist/ current', () => {
    const p = project();
    expect(staleReason(p.dir)).toBe('no successful build yet');
    expect(buildIfStale({ root: p.dir, tsc: p.tsc, log: quiet })).toEqual({ built: true, reason: 'no successful build yet' });
    expect(buildIfStale({ root: p.dir, tsc: p.tsc, log: quiet })).toEqual({ built: false });
    expect(p.calls()).toBe(1);
  });

  it('rebuilds after a source, tsconfig.json or package.json changes, naming what changed', () => {
    const p = project();
    buildIfStale({ root: p.dir, tsc: p.tsc, log: quiet });
    const later = new Date(statSync(join(p.dir, STAMP)).mtimeMs + 5_000);
    p.touch('src/a.ts', later);
    expect(staleReason(p.dir)).toBe('changed since the last build: src/');
    const lines: string[] = [];
    expect(buildIfStale({ root: p.dir, tsc: p.tsc, log: (l) => lines.push(l) })).toMatchObject({ built: true });
    expect(lines).toEqual(['Building dist/ with tsc (changed since the last build: src/)…']);
    p.touch('src/a.ts', new Date(0));
    p.touch('tsconfig.json', new Date(statSync(join(p.dir, STAMP)).mtimeMs + 5_000));
    expect(staleReason(p.dir)).toBe('changed since the last build: tsconfig.json');
    expect(p.calls()).toBe(2);
  });

  it('a failed build (a type error) writes no stamp, so the next call fails again with the errors', () => {
    const p = project();
    const failing = (d: string) => {
      p.tsc(d);
      return { ok: false, output: "src/a.ts(1,14): error TS2322: Type 'number' is not assignable to type 'string'." };
    };
    expect(() => buildIfStale({ root: p.dir, tsc: failing, log: quiet })).toThrow(/tsc failed[\s\S]*TS2322/);
    expect(staleReason(p.dir)).toBe('no successful build yet');
    expect(() => buildIfStale({ root: p.dir, tsc: failing, log: quiet })).toThrow(/TS2322/);
  });

  it('prepare and demo build through it; npm test builds in the global setup', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.prepare).toBe('node scripts/build.mjs');
    expect(pkg.scripts.demo).toMatch(/^node scripts\/build\.mjs && node dist\/demo\/demo\.js$/);
    expect(pkg.scripts.test).toBe('vitest run');
    expect(readFileSync(join(root, 'vitest.config.ts'), 'utf8')).toContain("globalSetup: ['test/global-setup.ts']");
  });
});
