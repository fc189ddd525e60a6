/**
 * `arazzo mcp`: how workflows become tools (names, schemas, annotations) and resources, and the
 * start-up checks of the command. No network: the documents are loaded, nothing is served.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli } from '../src/cli/cli.js';
import { prepareMcp } from '../src/mcp/command.js';
import { MAX_TOOL_NAME, toolName, toolListing } from '../src/mcp/tools.js';
import { argumentProblems } from '../src/mcp/arguments.js';
import { fakeIo } from './cli-helpers.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const PETS = `${root}test/fixtures/mcp/pets.arazzo.yaml`;
const OTHER = `${root}test/fixtures/mcp/other.arazzo.yaml`;
const PATTERNS = `${root}test/fixtures/mcp/patterns.arazzo.yaml`;
const DEPLOY = `${root}workflows/hugging-face-deploy-and-wait-workflow.yml`;
const TOKEN = 'hf_tools_test_secret_0042';

async function prepare(files: string[], flags: Record<string, unknown> = {}, env: Record<string, string> = {}) {
  const io = fakeIo(env);
  const prepared = await prepareMcp(files, flags, io);
  const byName = new Map(prepared.tools.map((t) => [t.name, t]));
  return { ...prepared, byName, io };
}

describe('tool names', () => {
  it('keep only ASCII letters, digits, _ and -, and fit in 64 characters', () => {
    expect(toolName('deploy-and-wait')).toBe('deploy-and-wait');
    expect(toolName('list pets!')).toBe('list_pets');
    expect(toolName('rehome.pet')).toBe('rehome_pet');
    expect(toolName('créer/endpoint')).toBe('creer_endpoint');
    expect(toolName('日本')).toBe('workflow');
    expect(toolName('x'.repeat(200))).toHaveLength(MAX_TOOL_NAME);
  });

  it('are unique across the served files', async () => {
    const { tools } = await prepare([PETS, OTHER], { input: ['owner=ann'] });
    expect(tools.map((t) => [t.name, t.workflow.workflowId])).toEqual([
      ['list_pets', 'list pets!'],
      ['rehome_pet', 'rehome.pet'],
      ['list_pets_2', 'list pets?'],
    ]);
  });
});

describe('tool schemas', () => {
  it('inline the $refs of the inputs schema as $defs, and leave out the inputs the server supplies', async () => {
    const { byName } = await prepare([PETS], { input: ['owner=ann'] });
    const list = byName.get('list_pets')!;
    expect(list.inputSchema).toEqual({
      type: 'object',
      properties: { limit: { $ref: '#/$defs/count' } },
      $defs: { count: { type: 'integer', minimum: 1, maximum: 100 } },
    });
    expect(list.description).toContain('The server supplies the input owner.');
    expect(await argumentProblems(list, { limit: 0 })).toEqual(['limit: must be >= 1']);
    expect(await argumentProblems(list, { limit: 5 })).toEqual([]);
    expect(await argumentProblems(list, { owner: 'bob' })).toEqual(['owner: supplied by the server; remove it from the arguments']);
  });

  it('check a pattern in linear time, so an argument cannot hang the server', async () => {
    const { byName } = await prepare([PATTERNS]);
    const tag = byName.get('tag-pets')!;
    expect(await argumentProblems(tag, { tag: 'aaaa' })).toEqual([]);
    // A backtracking engine takes 2^40 steps to reject this; RE2 answers at once.
    expect(await argumentProblems(tag, { tag: `${'a'.repeat(40)}!` })).toEqual(['tag: must match pattern "^(a|a)*$"']);
  });

  it('never show a secret input, and name a required secret the server lacks in every call', async () => {
    const { byName, io } = await prepare([PETS], { input: ['owner=ann'] });
    const rehome = byName.get('rehome_pet')!;
    expect(rehome.inputSchema).toEqual({ type: 'object', required: ['oldId'], properties: { oldId: { type: 'string', pattern: '^[0-9]+$' } } });
    expect(await argumentProblems(rehome, { oldId: '12', apiKey: 'k', note: 'n' })).toEqual([
      'apiKey: a secret, which the server must supply, never the arguments; remove it',
      'note: a secret, which the server must supply, never the arguments; remove it',
      'apiKey: a required secret the server was started without; whoever runs the server must add --input-env apiKey=API_KEY',
    ]);
    expect(io.err).toContain('warning: tool rehome_pet needs the secret input apiKey');
  });

  it('describe the outputs, and check arguments against exactly the schema shown', async () => {
    const { byName } = await prepare([DEPLOY], { 'input-env': ['hfToken=HF_TOKEN'], input: ['namespace=acme'] }, { HF_TOKEN: TOKEN });
    const deploy = byName.get('deploy-and-wait')!;
    const listing = toolListing(deploy);
    expect(Object.keys((listing.inputSchema as { properties: object }).properties)).not.toContain('hfToken');
    expect(Object.keys((listing.inputSchema as { properties: object }).properties)).not.toContain('namespace');
    expect((listing.inputSchema as { required: string[] }).required).toEqual(['name', 'repository']);
    expect(listing.outputSchema).toMatchObject({
      type: 'object',
      properties: { inferenceUrl: { description: 'From $steps.waitUntilRunning.outputs.inferenceUrl' } },
    });
    expect(listing.execution).toEqual({ taskSupport: 'optional' });
    expect(JSON.stringify(listing)).not.toContain(TOKEN);
    expect(await argumentProblems(deploy, { name: 'Demo', framework: 'jax', minReplica: 'one', extra: true })).toEqual([
      'repository: required; add it',
      'name: must match pattern "^[a-z0-9-]{1,32}$"',
      'framework: must be one of "pytorch", "tensorflow", "custom", "llamacpp"',
      'minReplica: must be integer',
    ]);
    expect(await argumentProblems(deploy, 'name=demo')).toEqual(['arguments: must be a JSON object of input names to values']);
  });
});

describe('tool annotations', () => {
  it('follow the methods of every step, called workflows included', async () => {
    const { byName } = await prepare([PETS, OTHER], { input: ['owner=ann'] });
    // GET only
    expect(byName.get('list_pets')!.annotations).toEqual({
      title: 'List the pets, then read the first.',
      readOnlyHint: true,
      destructiveHint: false,
      openWorldHint: true,
    });
    // POST, DELETE, and a workflow step that GETs
    expect(byName.get('rehome_pet')!.annotations).toMatchObject({ title: 'rehome.pet', readOnlyHint: false, destructiveHint: true, openWorldHint: true });
    const { byName: hf } = await prepare([DEPLOY], { 'input-env': ['hfToken=HF_TOKEN'] }, { HF_TOKEN: TOKEN });
    // POST and GET: writes, but deletes nothing
    expect(hf.get('deploy-and-wait')!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false, openWorldHint: true });
  });
});

describe('resources', () => {
  it("are each workflow's Mermaid graph and each document as written", async () => {
    const { resources } = await prepare([PETS, OTHER], { input: ['owner=ann'] });
    expect(resources.map((r) => [r.uri, r.mimeType])).toEqual([
      ['arazzo://documents/1/pets.arazzo.yaml', 'application/yaml'],
      ['arazzo://documents/2/other.arazzo.yaml', 'application/yaml'],
      ['arazzo://workflows/list_pets/graph', 'text/vnd.mermaid'],
      ['arazzo://workflows/rehome_pet/graph', 'text/vnd.mermaid'],
      ['arazzo://workflows/list_pets_2/graph', 'text/vnd.mermaid'],
    ]);
    expect(resources[0]!.text()).toBe(readFileSync(PETS, 'utf8'));
    const graph = resources[3]!.text();
    expect(graph).toMatch(/^flowchart TD\n/);
    expect(graph).toContain('remove');
  });
});

describe('arazzo mcp start-up mistakes: one line naming the fix, exit 2, nothing served', () => {
  const cases: Array<[string, string[], Record<string, string>, RegExp]> = [
    [
      'an input no workflow declares',
      [PETS, '--input', 'ownr=ann'],
      {},
      /INPUT_UNKNOWN: No served workflow declares the input ownr .*Inputs: limit, owner, apiKey, oldId, note/,
    ],
    ['an unset --input-env variable', [DEPLOY, '--input-env', 'hfToken=NOPE'], {}, /INPUT_ENV_MISSING: .*NOPE, which is not set/],
    ['--inputs from stdin', [DEPLOY, '--inputs', '-'], {}, /--inputs - \(stdin\) cannot be used/],
    ['a --server for no source', [DEPLOY, '--server', 'nope=http://127.0.0.1:1'], {}, /SERVER_UNKNOWN_SOURCE: .*Sources: inferenceEndpointsApi, endpointApi/],
    ['--host without --http', [DEPLOY, '--host', '127.0.0.1'], {}, /--host applies to --http only/],
    ['a bad port', [DEPLOY, '--http', '80000'], {}, /--http takes a port number from 0 to 65535/],
    ['a public address without a token', [DEPLOY, '--http', '0', '--host', '0.0.0.0'], {}, /--host 0\.0\.0\.0 is not a loopback address: .*--token-env VAR/],
    ['an empty token variable', [DEPLOY, '--http', '0', '--token-env', 'MCP_TOKEN'], { MCP_TOKEN: ' ' }, /--token-env MCP_TOKEN: the variable is empty/],
  ];
  for (const [what, args, env, expected] of cases) {
    it(what, async () => {
      const io = fakeIo(env);
      expect(await cli(['mcp', ...args], io)).toBe(2);
      expect(io.err.trimEnd().split('\n')).toHaveLength(1);
      expect(io.err).toMatch(expected);
    });
  }

  it('--dry-run prints the tools and resources as JSON, without the secret', async () => {
    const io = fakeIo({ HF_TOKEN: TOKEN });
    expect(await cli(['mcp', DEPLOY, '--input-env', 'hfToken=HF_TOKEN', '--dry-run'], io)).toBe(0);
    const listed = JSON.parse(io.out) as { tools: Array<{ name: string }>; resources: unknown[] };
    expect(listed.tools.map((t) => t.name)).toEqual(['deploy-and-wait']);
    expect(listed.resources).toHaveLength(2);
    expect(io.out + io.err).not.toContain(TOKEN);
  });
});
