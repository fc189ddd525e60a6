import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

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
