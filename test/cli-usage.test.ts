/**
 * What a person sees when they get the command line wrong, and whether the examples in --help
 * actually work against the workflows shipped in workflows/.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli } from '../src/cli/cli.js';
import { COMMANDS, mainHelp } from '../src/cli/commands.js';
import { envName } from '../src/document/input-text.js';
import { fakeIo } from './cli-helpers.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const fixtures = join(root, 'test', 'fixtures', 'cli');
const JOBS = join(fixtures, 'jobs.arazzo.yaml');

/** Split a shell command line the way sh would for these examples (single quotes, no expansion). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const m of line.matchAll(/'([^']*)'|(\S+)/g)) words.push(m[1] ?? m[2]!);
  return words;
}

/** Every example line of every help text, minus comments (the queue commands' need Redis: test/queue-cli.test.ts runs them). */
function examples(): string[] {
  const queue = new Set(['worker', 'submit', 'status', 'cancel']);
  const all = [
    ...Object.values(COMMANDS)
      .filter((c) => !queue.has(c.name))
      .flatMap((c) => c.examples),
    ...mainHelp('0.0.0')
      .split('\n')
      .filter((l) => l.startsWith('  arazzo ')),
  ];
  return all.map((l) => l.trim()).filter((l) => !l.startsWith('#'));
}

describe('--help examples', () => {
  it('name only documents that ship with the package', () => {
    const list = examples();
    expect(list.length).toBeGreaterThan(8);
    for (const line of list) expect(line).toMatch(/arazzo \w+ workflows\/hugging-face-[\w-]+\.yml/);
  });

  it('run as written (a run example with --dry-run, so nothing is sent)', async () => {
    const cwd = process.cwd();
    const cache = mkdtempSync(join(tmpdir(), 'arazzo-usage-cache-'));
    process.chdir(root);
    try {
      for (const line of examples()) {
        let stdin = '';
        let command = line;
        const echo = /^echo '([^']*)' \| (.*)$/.exec(command);
        if (echo) {
          stdin = echo[1]!;
          command = echo[2]!;
        }
        // Output redirections and pipes belong to the shell, not to arazzo.
        command = command.replace(/ > \S+$/, '').replace(/ \| jq .*$/, '');
        const argv = shellWords(command).slice(1);
        if ((argv[0] === 'run' || argv[0] === 'mcp') && !argv.includes('--dry-run')) argv.push('--dry-run');
        // The read cache on, as in a user's shell: every example loads the same workflow and description.
        const io = fakeIo({ HF_TOKEN: 'hf_example_token_1234', ARAZZO_CACHE_DIR: cache }, stdin);
        const code = await cli(argv, io);
        expect({ line, code, err: code === 0 ? '' : io.err }).toEqual({ line, code: 0, err: '' });
        expect(io.out + io.err).not.toContain('hf_example_token_1234');
      }
    } finally {
      process.chdir(cwd);
      rmSync(cache, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('mistakes get one line that names the fix, and exit 2', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['no document', ['run'], /"arazzo run" needs the path or URL of an Arazzo document/],
    ['a file that does not exist', ['run', join(fixtures, 'nope.yaml')], /FILE_NOT_FOUND: No such file: .*nope\.yaml/],
    ['a mistyped file name', ['run', join(fixtures, 'jobs.arazzo.yml')], /Did you mean ".*jobs\.arazzo\.yaml"\?/],
    ['a directory', ['run', fixtures], /is a directory; give the path of one Arazzo document\. It holds: .*jobs\.arazzo\.yaml/],
    ['several workflows and no --workflow', ['run', JOBS], /choose one with --workflow <id>: createAndWait, /],
    ['a workflow id typo', ['run', JOBS, '--workflow', 'createAndWiat'], /WORKFLOW_NOT_FOUND: .*Did you mean "createAndWait"\?/],
    ['an option typo', ['run', JOBS, '-w', 'createAndWait', '--inptu', 'name=x'], /CLI_UNKNOWN_FLAG: .*Did you mean "--input"\?/],
    ['an input name typo', ['run', JOBS, '-w', 'createAndWait', '--input', 'nmae=x'], /INPUT_UNKNOWN: .*Did you mean "name"\?/],
    [
      'an input that does not exist',
      ['run', JOBS, '-w', 'createAndWait', '--input', 'colour=red'],
      /INPUT_UNKNOWN: Unknown input "colour".* Inputs: token, name, /,
    ],
    ['a missing required input', ['run', JOBS, '-w', 'createAndWait', '--input', 'name=x'], /needs the input token; add --input-env token=TOKEN/],
    [
      'a --server without "="',
      ['run', JOBS, '-w', 'createAndWait', '--server', 'jobsApi'],
      /e\.g\. --server jobsApi=http:\/\/127\.0\.0\.1:8080 \(sources: jobsApi\)/,
    ],
    [
      'a --server URL without scheme',
      ['run', JOBS, '-w', 'createAndWait', '--server', 'jobsApi=localhost:8080'],
      /must be absolute, .* e\.g\. --server jobsApi=http:\/\/localhost:8080\./,
    ],
    [
      'a --server for an unknown source',
      ['run', JOBS, '-w', 'createAndWait', '--server', 'jobsapi=http://127.0.0.1:1'],
      /SERVER_UNKNOWN_SOURCE: .*Did you mean "jobsApi"\?/,
    ],
    ['a malformed --timeout', ['run', JOBS, '-w', 'createAndWait', '--timeout', '5m'], /--timeout is in seconds/],
    ['a graph of a workflow that does not exist', ['graph', JOBS, '--workflow', 'failng'], /Did you mean "failing"\?/],
  ];
  for (const [what, argv, expected] of cases) {
    it(what, async () => {
      const io = fakeIo();
      expect(await cli(argv, io)).toBe(2);
      const lines = io.err.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^error [A-Z_]+: /);
      expect(lines[0]).toMatch(expected);
      expect(io.out).toBe('');
    });
  }

  it('suggests an environment variable name for a missing secret input', () => {
    expect(envName('hfToken')).toBe('HF_TOKEN');
    expect(envName('es-api-key')).toBe('ES_API_KEY');
  });
});

describe('validate in a terminal', () => {
  const tty = (env: Record<string, string>) => {
    const io = fakeIo(env);
    return {
      ...io,
      stdout: { write: io.stdout.write, isTTY: true },
      stderr: { write: io.stderr.write, isTTY: true },
      get out() {
        return io.out;
      },
      get err() {
        return io.err;
      },
    };
  };

  it('colours the problem codes, and not with NO_COLOR; the closing line counts only what is there', async () => {
    const coloured = tty({});
    expect(await cli(['validate', join(fixtures, 'invalid.arazzo.yaml')], coloured)).toBe(2);
    expect(coloured.out).toContain('\x1b[31mOPERATION_NOT_FOUND\x1b[39m');
    expect(coloured.err).toMatch(/invalid\.arazzo\.yaml: 2 errors\n$/);

    const plain = tty({ NO_COLOR: '1' });
    expect(await cli(['validate', join(fixtures, 'warning.arazzo.yaml')], plain)).toBe(0);
    expect(plain.out + plain.err).not.toContain('\x1b[');
    expect(plain.out).toMatch(/:24:13 {2}EXPRESSION_BARE {2}.*\(\$\.workflows\[0\]\.steps\[0\]\.parameters\[1\]\.value\) {2}\[warning\]\n$/);
    expect(plain.err).toMatch(/warning\.arazzo\.yaml is valid, with 1 warning\n$/);
  });
});
