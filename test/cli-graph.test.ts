import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { ArazzoDocument } from '../src/document/types.js';
import { renderMermaid } from '../src/cli/graph.js';
import { cli } from '../src/cli/cli.js';
import { fakeIo } from './cli-helpers.js';
import { listWorkflows } from '../src/cli/list.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/cli/${name}`, import.meta.url));
const doc = parse(readFileSync(fixture('graph.arazzo.yaml'), 'utf8')) as ArazzoDocument;

describe('arazzo graph (Mermaid)', () => {
  const out = renderMermaid(doc, { workflowId: 'deploy' });
  const lines = out.split('\n').map((l) => l.trim());

  it('is a flowchart with one box per step and start/end nodes', () => {
    expect(lines[0]).toBe('flowchart TD');
    expect(lines).toContain('w0_s0["create<br/>createJob"]');
    expect(lines).toContain('w0_start --> w0_s0');
    expect(out).not.toContain('unrelated');
  });

  it('labels the step extensions on the node', () => {
    expect(lines).toContain('w0_s1["pollStatus ⟳ 5s ≤120×<br/>GET /jobs/{jobId}"]');
  });

  it('draws goto, retry and end edges labelled with their criteria', () => {
    // retry from a component, dashed, back to the same step
    expect(lines).toContain('w0_s0 -.->|"retryOnBusy: retry ×3 after 2s if $statusCode == 503"| w0_s0');
    // failure goto
    expect(lines).toContain('w0_s0 -.->|"conflict: $statusCode == 409"| w0_s2');
    // success end with a criterion ("#" escaped for Mermaid)
    expect(lines).toContain(`w0_s1 -->|"running: $response.body#35;/state == 'running'"| w0_done`);
    // success goto with a regex criterion
    expect(lines).toContain('w0_s1 -->|"pending: regex($response.body#35;/state) ^(pending#124;initializing)$"| w0_s1');
    // failure end
    expect(lines).toContain('w0_s1 -.->|"failed"| w0_failed');
  });

  it('escapes characters that would break a Mermaid label', () => {
    const tricky = {
      arazzo: '1.0.1',
      info: { title: 't', version: '1' },
      sourceDescriptions: [],
      workflows: [
        {
          workflowId: 'w',
          steps: [{ stepId: 'a', operationId: 'op', onSuccess: [{ name: 'say "hi" <b>', type: 'end', criteria: [{ condition: '$response.body#/a | `x`' }] }] }],
        },
      ],
    } as unknown as ArazzoDocument;
    expect(renderMermaid(tricky)).toContain('w0_s0 -->|"say #quot;hi#quot; #lt;b#gt;: $response.body#35;/a #124; #96;x#96;"| w0_done');
  });

  it('stacks the labels of parallel arrows and reads input-driven extensions with their defaults', () => {
    const doc = {
      arazzo: '1.0.1',
      info: { title: 't', version: '1' },
      sourceDescriptions: [],
      workflows: [
        {
          workflowId: 'w',
          inputs: { type: 'object', properties: { every: { type: 'number', default: 5 }, budget: { type: 'integer' } } },
          steps: [
            {
              stepId: 'poll',
              operationId: 'getJob',
              'x-delay': '$inputs.every',
              'x-max-duration': '$inputs.budget',
              onFailure: [
                { name: 'busy', type: 'retry', retryAfter: 1, retryLimit: 2, criteria: [{ condition: '$statusCode == 503' }] },
                { name: 'limited', type: 'retry', retryAfter: 10, retryLimit: 5, criteria: [{ condition: '$statusCode == 429' }] },
              ],
            },
          ],
        },
      ],
    } as unknown as ArazzoDocument;
    const lines = renderMermaid(doc)
      .split('\n')
      .map((l) => l.trim());
    expect(lines).toContain('w0_s0["poll ⟳ every (5s) ⏱ budget<br/>getJob"]');
    const loops = lines.filter((l) => l.startsWith('w0_s0 -.->') && l.endsWith('w0_s0'));
    expect(loops).toEqual(['w0_s0 -.->|"busy: retry ×2 after 1s if $statusCode == 503<br/>limited: retry ×5 after 10s if $statusCode == 429"| w0_s0']);
  });

  it('draws default next-step edges where no unconditional action takes over', () => {
    expect(lines).toContain('w0_s0 --> w0_s1');
    expect(lines).toContain('w0_s1 --> w0_s2');
    expect(lines).toContain('w0_s2 --> w0_done');
  });

  it('draws a sub-workflow call as a subroutine box linked to the called workflow', () => {
    expect(lines).toContain('w0_s2[["verify<br/>calls smokeTest"]]');
    expect(lines).toContain('subgraph w1["smokeTest"]');
    expect(lines).toContain('w0_s2 -.->|"calls"| w1_start');
  });

  it('is what the command prints, and a mistyped --workflow gets a suggestion', async () => {
    const io = fakeIo();
    expect(await cli(['graph', fixture('graph.arazzo.yaml'), '--workflow', 'deploy'], io)).toBe(0);
    expect(io.out).toBe(out);
    const bad = fakeIo();
    expect(await cli(['graph', fixture('graph.arazzo.yaml'), '--workflow', 'deplyo'], bad)).toBe(2);
    expect(bad.err).toContain('Did you mean "deploy"?');
    expect(bad.out).toBe('');
  });
});

describe('arazzo list', () => {
  it('lists workflows with summaries and inputs (name, type, required, default, secret)', async () => {
    const jobs = parse(readFileSync(fixture('jobs.arazzo.yaml'), 'utf8')) as ArazzoDocument;
    const listed = listWorkflows(jobs);
    expect(listed.map((w) => w.workflowId)).toEqual(['createAndWait', 'failing']);
    expect(listed[0]!.summary).toBe('Create a job and poll it until it is ready.');
    expect(listed[0]!.inputs).toContainEqual({ name: 'count', type: 'integer', required: false, default: 1, secret: false });
    expect(listed[0]!.inputs).toContainEqual({ name: 'token', type: 'string', required: true, secret: true, description: 'Bearer token for the Jobs API.' });
    expect(listed[0]!.inputs).toContainEqual({ name: 'password', type: 'string', required: false, secret: true });

    const io = fakeIo();
    expect(await cli(['list', fixture('jobs.arazzo.yaml')], io)).toBe(0);
    expect(io.out).toMatch(/createAndWait {2}Create a job and poll it until it is ready\. {2}\(2 steps\)/);
    expect(io.out).toMatch(/count {5}integer {2}optional, default: 1\n/);
    expect(io.out).toMatch(/password {2}string {3}optional, secret\n/);
    // The closing hint is a command that runs: every required input, secrets from the environment.
    expect(io.out).toContain(
      `Run the first with: arazzo run ${fixture('jobs.arazzo.yaml')} --workflow createAndWait --input name=<string> --input-env token=TOKEN\n`,
    );
  });
});

describe('input descriptions', () => {
  it('follow $ref into components.inputs and treat format: password as secret', () => {
    const doc = {
      arazzo: '1.0.1',
      info: { title: 't', version: '1' },
      sourceDescriptions: [],
      components: {
        inputs: {
          login: { type: 'object', required: ['user'], properties: { user: { type: 'string' }, pass: { $ref: '#/components/inputs/secret' } } },
          secret: { type: 'string', format: 'password', default: 'changeme' },
        },
      },
      workflows: [{ workflowId: 'w', inputs: { $ref: '#/components/inputs/login' }, steps: [] }],
    } as unknown as ArazzoDocument;
    expect(listWorkflows(doc)[0]!.inputs).toEqual([
      { name: 'user', type: 'string', required: true, secret: false },
      { name: 'pass', type: 'string', required: false, default: '***', secret: true },
    ]);
  });
});
