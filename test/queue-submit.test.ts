/**
 * What `submit` refuses, before anything reaches Redis: these run without one (the queue points at
 * a closed port, so any Redis command would fail with QUEUE_REDIS_UNAVAILABLE instead).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createArazzoQueue } from '../src/queue/index.js';
import { DEPLOY } from './queue-helpers.js';

const queue = createArazzoQueue({ connection: 'redis://127.0.0.1:1', prefix: 'never-written' });
afterAll(() => queue.close());

const inputs = { namespace: 'acme', name: 'x', repository: 'gpt2' };
const refs = { hfToken: 'env:HF_TOKEN' };

describe('submit refuses before anything reaches Redis', () => {
  it.each([
    ['a secret input given a value', { ...inputs, hfToken: 'hf_literal' }, {}, 'QUEUE_SECRET_LITERAL', 'is a secret: submit it as a reference'],
    [
      'a value and a reference for one input',
      { ...inputs, hfToken: 'hf_literal' },
      { secrets: refs },
      'QUEUE_SECRET_LITERAL',
      'both a value and a secret reference',
    ],
    ['a reference that is not scheme:name', inputs, { secrets: { hfToken: 'HF_TOKEN' } }, 'QUEUE_SECRET_REFERENCE_INVALID', 'must be "scheme:name"'],
    ['an env reference that is no variable name', inputs, { secrets: { hfToken: 'env:HF-TOKEN' } }, 'QUEUE_SECRET_REFERENCE_INVALID', 'must be "scheme:name"'],
    [
      'a reference for an input the workflow lacks',
      inputs,
      { secrets: { ...refs, apiKey: 'env:API_KEY' } },
      'QUEUE_SECRET_REFERENCE_INVALID',
      'has no input "apiKey"',
    ],
    ['a required input missing', { namespace: 'acme' }, { secrets: refs }, 'INPUT_INVALID', 'needs the inputs name, repository'],
    ['a run id with a colon', inputs, { secrets: refs, runId: 'a:b' }, 'QUEUE_RUN_ID_INVALID', 'cannot be used'],
    ['a run id of digits only', inputs, { secrets: refs, runId: '12345' }, 'QUEUE_RUN_ID_INVALID', 'cannot be used'],
  ] as const)('%s', async (_what, given, options, code, message) => {
    const err = (await queue.submit(DEPLOY, 'deploy-and-wait', given as Record<string, unknown>, options).catch((e: unknown) => e)) as {
      code?: string;
      message?: string;
    };
    expect(err.code).toBe(code);
    expect(err.message).toContain(message);
    expect(err.message).not.toContain('hf_literal');
  });

  it('an unknown workflow', async () => {
    await expect(queue.submit(DEPLOY, 'deploy', inputs, { secrets: refs })).rejects.toMatchObject({ code: 'WORKFLOW_NOT_FOUND' });
  });

  it('and a valid submission does go to Redis: here, one that cannot be reached', async () => {
    await expect(queue.submit(DEPLOY, 'deploy-and-wait', inputs, { secrets: refs })).rejects.toMatchObject({ code: 'QUEUE_REDIS_UNAVAILABLE' });
  });
});
