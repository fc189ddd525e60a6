import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgv } from '../src/cli/args.js';
import { cli } from '../src/cli/cli.js';
import { COMMANDS } from '../src/cli/commands.js';
import { CliError } from '../src/cli/errors.js';
import { gatherInputs } from '../src/cli/inputs.js';
import { coerceInput } from '../src/document/input-text.js';
import { fakeIo } from './cli-helpers.js';
import { suggest } from '../src/util/suggest.js';
import type { InputsShape } from '../src/cli/document.js';

function thrown(fn: () => unknown): CliError {
  try {
    fn();
  } catch (err) {
    return err as CliError;
  }
  throw new Error('expected a throw');
}

async function rejected(p: Promise<unknown>): Promise<CliError> {
  try {
    await p;
  } catch (err) {
    return err as CliError;
  }
  throw new Error('expected a rejection');
}

describe('argv parsing', () => {
  const specs = COMMANDS.run.flags;

  it('reads --flag value, --flag=value, short aliases, repeatable flags and positionals', () => {
    const { values, positionals } = parseArgv(
      ['wf.yml', '--workflow', 'a', '-i', 'x=1', '--input=y=a=b', '--json', '--server', 'api=http://h', '--', '--not-a-flag'],
      specs,
      'run',
    );
    expect(positionals).toEqual(['wf.yml', '--not-a-flag']);
    expect(values).toEqual({ workflow: 'a', input: ['x=1', 'y=a=b'], json: true, server: ['api=http://h'] });
  });

  it('answers an unknown flag with the closest known one', () => {
    const err = thrown(() => parseArgv(['wf.yml', '--jsno'], specs, 'run'));
    expect(err.code).toBe('CLI_UNKNOWN_FLAG');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('Did you mean "--json"?');
    expect(thrown(() => parseArgv(['--inptu', 'a=1'], specs, 'run')).message).toContain('"--input"');
    expect(thrown(() => parseArgv(['--max-step', '3'], specs, 'run')).message).toContain('"--max-steps"');
  });

  it('rejects a missing value and a value on a switch', () => {
    expect(thrown(() => parseArgv(['wf.yml', '--workflow'], specs, 'run')).message).toContain('needs a value');
    expect(thrown(() => parseArgv(['--json=yes'], specs, 'run')).message).toContain('takes no value');
    expect(thrown(() => parseArgv(['--workflow', 'a', '--workflow', 'b'], specs, 'run')).message).toContain('more than once');
  });

  it('suggests only plausible candidates', () => {
    expect(suggest('valdate', ['run', 'validate', 'list', 'graph'])).toBe('validate');
    expect(suggest('Graph', ['run', 'validate', 'list', 'graph'])).toBe('graph');
    expect(suggest('deploy', ['run', 'validate', 'list', 'graph'])).toBeUndefined();
  });
});

describe('commands without a document', () => {
  it('prints help with examples for every command', async () => {
    for (const name of ['run', 'validate', 'list', 'graph']) {
      const io = fakeIo();
      expect(await cli([name, '--help'], io)).toBe(0);
      expect(io.out).toContain(`Usage: arazzo ${name}`);
      expect(io.out).toContain('Examples:');
      expect(io.out).toMatch(new RegExp(`\\n  arazzo ${name} `));
    }
    const io = fakeIo();
    expect(await cli(['--help'], io)).toBe(0);
    expect(io.out).toContain('Commands:');
  });

  it('prints the package version', async () => {
    const io = fakeIo();
    expect(await cli(['--version'], io)).toBe(0);
    expect(io.out.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('answers a mistyped command with a suggestion and exit 2', async () => {
    const io = fakeIo();
    expect(await cli(['lsit', 'x.yml'], io)).toBe(2);
    expect(io.err).toContain('Did you mean "list"?');
    expect(io.out).toBe('');
  });

  it('requires exactly one document', async () => {
    const io = fakeIo();
    expect(await cli(['validate'], io)).toBe(2);
    expect(io.err).toContain('needs the path or URL');
    const io2 = fakeIo();
    expect(await cli(['list', 'a.yml', 'b.yml'], io2)).toBe(2);
    expect(io2.err).toContain('unexpected "b.yml"');
  });

  it('reports a missing file with exit 2', async () => {
    const io = fakeIo();
    expect(await cli(['list', 'does-not-exist.arazzo.yaml'], io)).toBe(2);
    expect(io.err).toContain('FILE_NOT_FOUND');
  });
});

describe('input coercion by schema type', () => {
  const how = { secret: false, origin: '--input' };
  it('keeps strings, parses numbers, integers, booleans, objects and arrays', () => {
    expect(coerceInput('007', { name: 'a', types: ['string'] }, how)).toBe('007');
    expect(coerceInput('42', { name: 'a', types: ['integer'] }, how)).toBe(42);
    expect(coerceInput('-1.5e2', { name: 'a', types: ['number'] }, how)).toBe(-150);
    expect(coerceInput('TRUE', { name: 'a', types: ['boolean'] }, how)).toBe(true);
    expect(coerceInput('false', { name: 'a', types: ['boolean'] }, how)).toBe(false);
    expect(coerceInput('{"a":[1]}', { name: 'a', types: ['object'] }, how)).toEqual({ a: [1] });
    expect(coerceInput('["x","y"]', { name: 'a', types: ['array'] }, how)).toEqual(['x', 'y']);
    expect(coerceInput('null', { name: 'a', types: ['string', 'null'] }, how)).toBeNull();
    expect(coerceInput('12', { name: 'a', types: ['integer', 'string'] }, how)).toBe(12);
    expect(coerceInput('twelve', { name: 'a', types: ['integer', 'string'] }, how)).toBe('twelve');
    expect(coerceInput('42', undefined, how)).toBe('42');
  });

  it('explains a value that does not fit, without echoing secrets', () => {
    const err = thrown(() => coerceInput('4.5', { name: 'count', types: ['integer'] }, how));
    expect(err.code).toBe('INPUT_COERCION');
    expect(err.message).toContain('"count"');
    expect(err.message).toContain('integer');
    expect(err.message).toContain('"4.5"');
    const secret = thrown(() => coerceInput('s3cr3t-value', { name: 'pin', types: ['integer'] }, { secret: true, origin: '--input-env (PIN)' }));
    expect(secret.message).not.toContain('s3cr3t-value');
    expect(thrown(() => coerceInput('a,b', { name: 'tags', types: ['array'] }, how)).message).toContain('JSON');
  });

  const shape: InputsShape = {
    acceptsOthers: false,
    inputs: [
      { name: 'token', type: 'string', types: ['string'], required: true, hasDefault: false, secret: false },
      { name: 'count', type: 'integer', types: ['integer'], required: false, hasDefault: false, secret: false },
      { name: 'pass', type: 'string', types: ['string'], required: false, hasDefault: false, secret: true },
    ],
  };

  it('merges --inputs, --input and --input-env, with flags winning over the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arazzo-cli-'));
    const file = join(dir, 'in.json');
    writeFileSync(file, JSON.stringify({ count: 1, extra: 'kept' }));
    const got = await gatherInputs(
      { inputsFile: file, input: ['count=5', 'pass=hunter22'], inputEnv: ['token=MY_TOKEN'], env: { MY_TOKEN: 'tok-abc-123' }, readStdin: async () => '' },
      shape,
    );
    expect(got.inputs).toEqual({ count: 5, extra: 'kept', token: 'tok-abc-123', pass: 'hunter22' });
    expect(got.secrets).toEqual(expect.arrayContaining(['tok-abc-123', 'hunter22']));
  });

  it('reads --inputs - from stdin', async () => {
    const got = await gatherInputs({ inputsFile: '-', env: {}, readStdin: async () => '{"token":"t"}' }, shape);
    expect(got.inputs).toEqual({ token: 't' });
    const bad = await rejected(gatherInputs({ inputsFile: '-', env: {}, readStdin: async () => '[1]' }, shape));
    expect(bad.code).toBe('INPUTS_FILE');
  });

  it('names a missing environment variable and suggests input names', async () => {
    const missing = await rejected(gatherInputs({ inputEnv: ['token=NOPE'], env: {}, readStdin: async () => '' }, shape));
    expect(missing.code).toBe('INPUT_ENV_MISSING');
    expect(missing.message).toContain('NOPE');
    const typo = await rejected(gatherInputs({ input: ['tokn=x'], env: {}, readStdin: async () => '' }, shape));
    expect(typo.code).toBe('INPUT_UNKNOWN');
    expect(typo.message).toContain('Did you mean "token"?');
  });
});

describe('run limits', () => {
  it('maps --timeout seconds to milliseconds and --max-steps to a step cap', async () => {
    const { parseLimits } = await import('../src/cli/run.js');
    expect(parseLimits({ timeout: '1.5', 'max-steps': '20' })).toEqual({ timeoutMs: 1500, maxSteps: 20 });
    expect(parseLimits({})).toEqual({});
    for (const bad of [{ timeout: '0' }, { timeout: 'soon' }, { 'max-steps': '0' }, { 'max-steps': '2.5' }]) {
      expect(() => parseLimits(bad)).toThrow(CliError);
    }
  });
});
