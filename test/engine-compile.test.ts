import { describe, expect, it } from 'vitest';
import { workflowPlan } from '../src/compile/loaded.js';
import { DocumentError } from '../src/errors.js';
import { loadDoc } from './engine-helpers.js';

describe('plan compilation at load', () => {
  it('warns about bare expressions inside strings (P28), suggesting the braced form', async () => {
    const doc = await loadDoc([
      {
        workflowId: 'w',
        steps: [
          {
            stepId: 's',
            operationId: 'getItem',
            parameters: [
              { name: 'id', in: 'path', value: 'item-$inputs.id' },
              { name: 'X-Trace', in: 'header', value: 'Bearer $inputs.token' },
            ],
          },
        ],
      },
    ]);
    const bare = doc.warnings.filter((w) => w.code === 'EXPRESSION_BARE');
    expect(bare.map((w) => w.path)).toContain('$.workflows[0].steps[0].parameters[1].value');
    expect(bare.find((w) => w.path.endsWith('parameters[1].value'))?.message).toContain('{$inputs.token}');
  });

  it('warns when a parameter (name, in) is not defined on the target operation', async () => {
    const doc = await loadDoc([
      { workflowId: 'w', steps: [{ stepId: 's', operationId: 'getStatus', parameters: [{ name: 'verbose', in: 'query', value: true }] }] },
    ]);
    const w = doc.warnings.find((p) => p.code === 'PARAMETER_NOT_IN_OPERATION');
    expect(w).toMatchObject({ severity: 'warning', path: '$.workflows[0].steps[0].parameters[0]' });
    expect(w?.message).toContain('verbose');
  });

  it('does not warn about credentials security schemes supply or headers OpenAPI ignores (Accept, Content-Type, Authorization), but still warns about other undeclared parameters', async () => {
    const doc = await loadDoc([
      {
        workflowId: 'w',
        steps: [
          { stepId: 'bearer', operationId: 'getBearerSecured', parameters: [{ name: 'authorization', in: 'header', value: 'Bearer {$inputs.token}' }] },
          { stepId: 'basic', operationId: 'getBasicSecured', parameters: [{ name: 'Authorization', in: 'header', value: 'Basic dXNlcjpwYXNz' }] },
          {
            stepId: 'keys',
            operationId: 'getKeySecured',
            parameters: [
              { name: 'x-api-key', in: 'header', value: '$inputs.key' },
              { name: 'sid', in: 'cookie', value: '$inputs.sid' },
              // The same name in the wrong location is still a mistake.
              { name: 'X-Api-Key', in: 'query', value: '$inputs.key' },
              // OpenAPI ignores header parameters named Accept, Content-Type or Authorization, so no
              // operation can declare them: never "not in the operation".
              { name: 'Authorization', in: 'header', value: 'Bearer x' },
            ],
          },
          {
            stepId: 'open',
            operationId: 'getStatus',
            parameters: [
              { name: 'Authorization', in: 'header', value: 'Bearer x' },
              { name: 'Accept', in: 'header', value: 'application/xml' },
              { name: 'content-type', in: 'header', value: 'text/plain' },
              { name: 'X-Unknown', in: 'header', value: 'still reported' },
            ],
          },
        ],
      },
    ]);
    const warned = doc.warnings.filter((w) => w.code === 'PARAMETER_NOT_IN_OPERATION').map((w) => w.path);
    expect(warned).toEqual(['$.workflows[0].steps[2].parameters[2]', '$.workflows[0].steps[3].parameters[3]']);
  });

  it('reports a malformed criterion and a bad extension as errors with JSON paths', async () => {
    const err = await loadDoc([
      {
        workflowId: 'w',
        steps: [{ stepId: 's', operationId: 'getStatus', 'x-delay': -1, successCriteria: [{ condition: '$statusCode == == 200' }] }],
      },
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DocumentError);
    const problems = (err as DocumentError).problems;
    expect(problems.find((p) => p.code === 'STEP_EXTENSION_INVALID')?.path).toBe("$.workflows[0].steps[0]['x-delay']");
    expect(problems.find((p) => p.path.startsWith('$.workflows[0].steps[0].successCriteria[0]'))?.severity).toBe('error');
  });

  it('merges workflow-level and step parameters (step wins on name+in) and actions (step first, P13)', async () => {
    const doc = await loadDoc([
      {
        workflowId: 'w',
        parameters: [
          { name: 'X-Trace', in: 'header', value: 'wf' },
          { name: 'label', value: 'for workflow steps only' },
        ],
        successActions: [
          { name: 'done', type: 'end' },
          { name: 'shared', type: 'end' },
        ],
        steps: [
          {
            stepId: 's',
            operationId: 'getItem',
            parameters: [
              { name: 'x-trace', in: 'header', value: 'step' },
              { name: 'id', in: 'path', value: 1 },
            ],
            onSuccess: [{ name: 'shared', type: 'goto', stepId: 's' }],
          },
        ],
      },
    ]);
    const step = workflowPlan(doc, 'w')!.steps[0]!;
    expect(step.parameters.map((p) => `${p.name}:${p.in}`)).toEqual(['x-trace:header', 'id:path']);
    expect(step.onSuccess.map((a) => `${a.name}:${a.origin}`)).toEqual(['shared:step', 'done:workflow']);
  });
});
