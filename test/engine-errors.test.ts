/** What a failed run tells its caller about the response that failed it. */
import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../src/engine/run.js';
import { responseMessage } from '../src/engine/response-message.js';
import { loadConformance, serverPerTest } from './fixtures/conformance/helpers.js';

const scripted = serverPerTest();
const serve = scripted.serve;

// A Hugging Face endpoint record: the reason a deployment failed sits in status.message, after
// several hundred characters of configuration.
const failedEndpoint = {
  name: 'demo',
  type: 'protected',
  compute: { accelerator: 'gpu', instanceType: 'nvidia-a10g', instanceSize: 'x1', scaling: { minReplica: 1, maxReplica: 1 } },
  model: {
    repository: 'org/a-model-with-a-rather-long-repository-name',
    framework: 'pytorch',
    revision: 'a'.repeat(40),
    task: 'text-generation',
    image: { huggingface: {} },
  },
  provider: { vendor: 'aws', region: 'us-east-1' },
  healthRoute: '/health',
  padding: 'x'.repeat(300),
  status: { state: 'failed', message: 'Endpoint failed to deploy: the model needs more GPU memory than nvidia-a10g x1 has (token hf_secretvalue123)' },
};

describe('failed-run errors', () => {
  it('carry the message from anywhere in the body, even past the excerpt, masked like everything else', async () => {
    expect(JSON.stringify(failedEndpoint).length).toBeGreaterThan(500);
    const servers = await serve({ '/poll': [{ status: 200, body: failedEndpoint }] });
    const doc = await loadConformance([
      {
        workflowId: 'w',
        inputs: { type: 'object', properties: { token: { type: 'string' } } },
        steps: [{ stepId: 'a', operationId: 'poll', successCriteria: [{ condition: "$response.body#/status/state == 'running'" }] }],
      },
    ]);
    const result = await runWorkflow(doc, 'w', { token: 'hf_secretvalue123' }, { servers });
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('CRITERION_FAILED');
    expect(result.error?.responseExcerpt).toHaveLength(500);
    expect(result.error?.responseExcerpt).not.toContain('needs more GPU memory');
    expect(result.error?.responseMessage).toBe('Endpoint failed to deploy: the model needs more GPU memory than nvidia-a10g x1 has (token ***)');
  });

  it('have no responseMessage when the body carries none', async () => {
    const servers = await serve({ '/poll': [{ status: 500, body: { items: [1, 2] } }] });
    const doc = await loadConformance([{ workflowId: 'w', steps: [{ stepId: 'a', operationId: 'poll' }] }]);
    const result = await runWorkflow(doc, 'w', {}, { servers });
    expect(result.error?.code).toBe('STEP_FAILED');
    expect(result.error?.responseExcerpt).toBe('{"items":[1,2]}');
    expect(result.error).not.toHaveProperty('responseMessage');
  });

  it('find the message fields real APIs use', () => {
    expect(responseMessage('{"error":"A valid user or organization token, sent as a Bearer, is required"}')).toBe(
      'A valid user or organization token, sent as a Bearer, is required',
    );
    expect(responseMessage('{"error":{"type":"status_exception","reason":"Could not complete inference endpoint creation"},"status":400}')).toBe(
      'Could not complete inference endpoint creation',
    );
    expect(responseMessage('{"detail":"Not Found"}')).toBe('Not Found');
    expect(responseMessage('{"error_description":"bad grant"}')).toBe('bad grant');
    expect(responseMessage('{"message":"cut short by the size cap, no closing brace"')).toBe('cut short by the size cap, no closing brace');
    expect(responseMessage('<html>busy</html>')).toBeUndefined();
  });
});
