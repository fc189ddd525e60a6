/**
 * The fake model behind each running endpoint's URL (`/endpoints/<id>/...`): Inference Toolkit
 * `POST /`, TEI `/embed` and `/v1/embeddings`, TGI `/generate` and `/v1/chat/completions`, and the
 * health route. Answers 503 until the endpoint runs, and cold-starts a scaled-to-zero endpoint.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { SimContext } from './context.js';
import { healthRouteOf, recordLog, settle, stateOf } from './endpoint-state.js';
import { bearerToken, json, type Reply } from './http.js';
import { asRecord, isRecord, isStringArray } from '../util/guards.js';

const EMBEDDING_TASKS = new Set(['feature-extraction', 'sentence-embeddings', 'sentence-similarity', 'text-embedding', 'text-embeddings-inference']);
const GENERATION_TASKS = new Set(['text-generation', 'text2text-generation', 'conversational', 'image-text-to-text']);

function modelError(status: number, error: string, errorType: string): Reply {
  return json(status, { error, error_type: errorType });
}

/** A deterministic unit vector for `text`. */
export function embed(text: string, dimensions: number): number[] {
  const out: number[] = [];
  for (let block = 0; out.length < dimensions; block++) {
    const digest = createHash('sha256').update(`${block}\u0000${text}`).digest();
    for (let i = 0; i + 1 < digest.length && out.length < dimensions; i += 2) {
      out.push(digest.readUInt16BE(i) / 32767.5 - 1);
    }
  }
  const norm = Math.sqrt(out.reduce((s, v) => s + v * v, 0)) || 1;
  return out.map((v) => Math.round((v / norm) * 1e6) / 1e6);
}

function inputsOf(body: unknown, key: 'inputs' | 'input'): string[] | Reply {
  const value = isRecord(body) ? body[key] : undefined;
  if (typeof value === 'string') return [value];
  if (isStringArray(value) && value.length > 0) return value;
  return modelError(
    422,
    `Failed to deserialize the JSON body into the target type: field \`${key}\` must be a string or a non-empty array of strings`,
    'Validation',
  );
}

function reply(repository: string, prompt: string): string {
  const short = prompt.length > 80 ? `${prompt.slice(0, 77)}...` : prompt;
  return `This is a simulated answer from ${repository} to: "${short}"`;
}

/**
 * Serves a request to a deployed endpoint. While a scaled-to-zero endpoint starts a replica it
 * answers 503, unless the request sets `X-Scale-Up-Timeout: <seconds>` long enough to hold it
 * until the replica is ready (waited on the simulator clock).
 */
export async function handleModel(ctx: SimContext, req: IncomingMessage, method: string, id: string, rest: string, body: unknown): Promise<Reply> {
  const ep = ctx.endpointsById.get(id);
  if (!ep) return modelError(404, `No endpoint is served at /endpoints/${id}`, 'not_found');
  if (ep.config['type'] !== 'public') {
    const token = bearerToken(req);
    if (token === undefined || !ctx.tokens.has(token)) {
      return modelError(401, 'This endpoint is not public: send a valid Hugging Face token as "Authorization: Bearer <token>"', 'unauthorized');
    }
  }
  let now = ctx.now();
  settle(ep, now, ctx.timings);
  let state = stateOf(ep, ctx.timings, now);
  if (state === 'scaledToZero') {
    ep.phase = { kind: 'waking', since: now };
    recordLog(ep, now, 'Request received while scaled to zero; starting a replica');
  }
  if (ep.phase.kind === 'waking') {
    const holdSeconds = Number(req.headers['x-scale-up-timeout']);
    const remaining = ep.phase.since + ctx.timings.coldStartMs - now;
    if (!(holdSeconds * 1000 >= remaining)) {
      return modelError(503, 'The endpoint is scaled to zero and is starting a replica; retry shortly or send X-Scale-Up-Timeout', 'unavailable');
    }
    await ctx.sleep(remaining);
    now = Math.max(ctx.now(), ep.phase.since + ctx.timings.coldStartMs);
    settle(ep, now, ctx.timings);
    state = stateOf(ep, ctx.timings, now);
  }
  if (state !== 'running' && state !== 'updating' && state !== 'updateFailed') {
    return modelError(503, `The endpoint is ${state}, not running`, 'unhealthy');
  }
  ep.lastUsedAt = now;
  const model = asRecord(ep.config['model']) ?? {};
  const repository = String(model['repository']);
  const task = String(model['task']);
  const isEmbedding = EMBEDDING_TASKS.has(task);
  const isGeneration = GENERATION_TASKS.has(task);
  const path = rest === '' ? '/' : rest;

  if (method === 'GET') {
    if (path === healthRouteOf(ep.config) || path === '/health' || path === '/ping') return { status: 200 };
    if (path === '/' || path === '/info') return json(200, { model_id: repository, model_sha: model['revision'], task, max_input_length: 512 });
    return modelError(404, `No route GET ${path}`, 'not_found');
  }
  if (method !== 'POST') return modelError(405, `Method ${method} is not allowed on ${path}`, 'method_not_allowed');

  const dims = ctx.embeddingDimensions;
  if (path === '/' || path === '/embed' || path === '/predict') {
    if (isEmbedding) {
      const inputs = inputsOf(body, 'inputs');
      return Array.isArray(inputs)
        ? json(
            200,
            inputs.map((t) => embed(t, dims)),
          )
        : inputs;
    }
    if (path === '/embed') return modelError(404, `This endpoint serves task '${task}', not embeddings`, 'not_found');
    const inputs = inputsOf(body, 'inputs');
    if (!Array.isArray(inputs)) return inputs;
    if (isGeneration)
      return json(
        200,
        inputs.map((t) => ({ generated_text: reply(repository, t) })),
      );
    return json(
      200,
      inputs.map(() => [
        { label: 'LABEL_0', score: 0.9 },
        { label: 'LABEL_1', score: 0.1 },
      ]),
    );
  }
  if (path === '/v1/embeddings') {
    if (!isEmbedding) return modelError(404, `This endpoint serves task '${task}', not embeddings`, 'not_found');
    const inputs = inputsOf(body, 'input');
    if (!Array.isArray(inputs)) return inputs;
    const tokens = inputs.reduce((n, t) => n + t.split(/\s+/).filter(Boolean).length, 0);
    return json(200, {
      object: 'list',
      data: inputs.map((t, index) => ({ object: 'embedding', index, embedding: embed(t, dims) })),
      model: repository,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }
  if (path === '/generate' || path === '/v1/chat/completions' || path === '/v1/completions') {
    if (!isGeneration) return modelError(404, `This endpoint serves task '${task}', not text generation`, 'not_found');
    if (path === '/generate') {
      const inputs = inputsOf(body, 'inputs');
      if (!Array.isArray(inputs)) return inputs;
      return json(200, { generated_text: reply(repository, inputs[0] ?? '') });
    }
    return chat(repository, path, body, now);
  }
  return modelError(404, `No route POST ${path}`, 'not_found');
}

function chat(repository: string, path: string, body: unknown, now: number): Reply {
  if (!isRecord(body)) return modelError(422, 'Request body must be a JSON object', 'Validation');
  let prompt: string;
  if (path === '/v1/completions') {
    if (typeof body['prompt'] !== 'string') return modelError(422, 'Field `prompt` must be a string', 'Validation');
    prompt = body['prompt'];
  } else {
    const messages = body['messages'];
    if (!Array.isArray(messages) || messages.length === 0 || !messages.every((m) => isRecord(m) && typeof m['role'] === 'string')) {
      return modelError(422, 'Field `messages` must be a non-empty array of {"role", "content"} objects', 'Validation');
    }
    const last = asRecord(messages[messages.length - 1]) ?? {};
    prompt = typeof last['content'] === 'string' ? last['content'] : JSON.stringify(last['content']);
  }
  const maxTokens = typeof body['max_tokens'] === 'number' && body['max_tokens'] > 0 ? body['max_tokens'] : 100;
  const words = reply(repository, prompt).split(' ');
  const content = words.slice(0, maxTokens).join(' ');
  const finish = words.length > maxTokens ? 'length' : 'stop';
  const usage = { prompt_tokens: prompt.split(/\s+/).filter(Boolean).length, completion_tokens: Math.min(words.length, maxTokens) };
  const common = { id: `chatcmpl-sim-${now}`, created: Math.floor(now / 1000), model: repository, system_fingerprint: 'simulator' };
  const totals = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
  if (path === '/v1/completions') {
    return json(200, { ...common, object: 'text_completion', choices: [{ index: 0, text: content, finish_reason: finish }], usage: totals });
  }
  return json(200, {
    ...common,
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content }, logprobs: null, finish_reason: finish }],
    usage: totals,
  });
}
