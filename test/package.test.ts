import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('the published package', () => {
  it('holds the library, the CLI and the simulator, but not the bench, the demo or the build-time generators', () => {
    // npm test builds dist/ first; --ignore-scripts keeps "prepare" from building again.
    const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(pack.status, pack.stderr).toBe(0);
    const files = (JSON.parse(pack.stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
    for (const path of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/cli/main.js',
      'dist/simulator/index.js',
      'dist/queue/index.js',
      'dist/document/generated/validators.js',
    ]) {
      expect(files, path).toContain(path);
    }
    const unwanted = files.filter((path) => /^dist\/(bench|demo)\/|^dist\/document\/(generate|schema-types)\.|^dist\/\.(tsbuildinfo|build-stamp)$/.test(path));
    expect(unwanted).toEqual([]);
  });
});
