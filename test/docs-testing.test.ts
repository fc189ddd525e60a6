/**
 * docs/testing.md shows the report of a real run of test/fixtures/contract/docs against the pets
 * API of the contract tests. This test runs it again and compares, so the page cannot drift from
 * what the command prints. Durations and the server's port differ from run to run and are
 * compared as placeholders. `UPDATE_DOCS=1 npx vitest run test/docs-testing.test.ts` rewrites the
 * blocks from a fresh run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../src/cli/cli.js';
import { fakeIo } from './cli-helpers.js';
import { petsApi } from './contract-helpers.js';
import { startServer, type TestServer } from './engine-helpers.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const PAGE = `${root}/docs/testing.md`;
const DOC = 'test/fixtures/contract/docs/petstore.arazzo.yaml';

let server: TestServer;
beforeAll(async () => {
  server = await startServer(petsApi);
});
afterAll(() => server.close());

/** What varies between runs: durations, timestamps, the port. */
function normalize(text: string): string {
  return text
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/g, 'TIMESTAMP')
    .replace(/time="\d+\.\d+"/g, 'time="T"')
    .replace(/\b\d+(\.\d+)?(ms|s)\b/g, 'T')
    .replace(/\b\d+m\d\ds\b/g, 'T');
}

/** The fenced block after `<!-- output:name -->` in the page. */
function block(page: string, name: string): { start: number; end: number; text: string } {
  const marker = `<!-- output:${name} -->\n\`\`\`${name === 'junit' ? 'xml' : 'text'}\n`;
  const start = page.indexOf(marker);
  expect(start, `docs/testing.md has the ${name} block`).toBeGreaterThanOrEqual(0);
  const from = start + marker.length;
  const end = page.indexOf('```\n', from);
  return { start: from, end, text: page.slice(from, end) };
}

describe('docs/testing.md', () => {
  it('shows the report a real run prints', async () => {
    const cwd = process.cwd();
    process.chdir(root);
    let io: ReturnType<typeof fakeIo>;
    let code: number;
    try {
      io = fakeIo({ NO_COLOR: '1', ARAZZO_CACHE_DIR: 'off' });
      code = await cli(['test', DOC, '--server', `pets=${server.url}/api`, '--reporter', 'pretty', '--reporter', 'junit'], io);
    } finally {
      process.chdir(cwd);
    }
    expect(code).toBe(1);
    const shown = {
      command: `$ arazzo test ${DOC} --server pets=http://127.0.0.1:8080/api --reporter pretty --reporter junit\n`,
      pretty: io.err.replaceAll(server.url.replace('http://', ''), '127.0.0.1:8080'),
      junit: io.out,
    };
    let page = readFileSync(PAGE, 'utf8');
    if (process.env.UPDATE_DOCS) {
      for (const name of ['junit', 'pretty', 'command'] as const) {
        const b = block(page, name);
        page = page.slice(0, b.start) + shown[name] + page.slice(b.end);
      }
      writeFileSync(PAGE, page);
    }
    for (const name of ['command', 'pretty', 'junit'] as const) {
      expect(normalize(block(page, name).text), `the ${name} block of docs/testing.md`).toBe(normalize(shown[name]));
    }
    // The README's "Contract testing" section shows the same report.
    const readme = readFileSync(`${root}/README.md`, 'utf8');
    const section = readme.slice(readme.indexOf('## Contract testing'), readme.indexOf('## Serving workflows'));
    expect(normalize(section)).toContain(`\`\`\`\n${normalize(shown.pretty)}\`\`\`\n`);
  });
});
