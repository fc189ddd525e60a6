/**
 * Elasticsearch `_inference` emulation for the `hugging_face` service, served under
 * `/elasticsearch`. Like the real one, `PUT _inference/text_embedding/<id>` calls the Hugging Face
 * endpoint's URL with `{"inputs": ["how big"]}` to learn the embedding dimensions, and fails when it
 * cannot; inference requests are forwarded to the endpoint the same way.
 */
import type { IncomingMessage } from 'node:http';
import { request } from 'undici';
import type { InferenceRecord, SimContext } from './context.js';
import { json, type Reply } from './http.js';
import { isRecord, isStringArray } from '../util/guards.js';

const TASK_TYPES = ['text_embedding', 'sparse_embedding', 'rerank', 'completion', 'chat_completion'];
const SUPPORTED = new Set(['text_embedding']);
const VALIDATION_TIMEOUT_MS = 30_000;

function esError(status: number, type: string, reason: string, causedBy?: { type: string; reason: string }): Reply {
  const error: Record<string, unknown> = { root_cause: [{ type, reason }], type, reason };
  if (causedBy) error['caused_by'] = causedBy;
  return json(status, { error, status });
}

function authorized(ctx: SimContext, req: IncomingMessage): boolean {
  if (!ctx.esApiKeys) return true;
  const header = req.headers.authorization;
  if (typeof header !== 'string') return false;
  const match = /^(ApiKey|Bearer|Basic)\s+(\S+)$/i.exec(header.trim());
  return match !== null && ctx.esApiKeys.has(match[2] ?? '');
}

function info(rec: InferenceRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    inference_id: rec.inferenceId,
    task_type: rec.taskType,
    service: rec.service,
    service_settings: rec.serviceSettings,
  };
  if (rec.chunkingSettings) out['chunking_settings'] = rec.chunkingSettings;
  return out;
}

type Upstream = { ok: true; vectors: number[][] } | { ok: false; status?: number; reason: string };

/** `POST {url}` with `{"inputs": [...]}`, as Elasticsearch's Hugging Face service sends it. */
async function callHuggingFace(url: string, apiKey: string, inputs: string[]): Promise<Upstream> {
  let status: number;
  let text: string;
  try {
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ inputs }),
      headersTimeout: VALIDATION_TIMEOUT_MS,
      bodyTimeout: VALIDATION_TIMEOUT_MS,
    });
    status = res.statusCode;
    text = await res.body.text();
  } catch (err) {
    return { ok: false, reason: `${(err as Error).name}: ${(err as Error).message}` };
  }
  if (status < 200 || status >= 300) {
    let message = text.slice(0, 200);
    try {
      const parsed = JSON.parse(text) as unknown;
      if (isRecord(parsed) && typeof parsed['error'] === 'string') message = parsed['error'];
    } catch {
      // keep the raw excerpt
    }
    return { ok: false, status, reason: `Received an unsuccessful status code [${status}]. Error message: [${message}]` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, status, reason: 'Failed to parse the Hugging Face response as JSON' };
  }
  const vectors = Array.isArray(parsed) ? parsed : isRecord(parsed) ? parsed['embeddings'] : undefined;
  if (!Array.isArray(vectors) || vectors.length === 0 || !vectors.every((v) => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number'))) {
    return {
      ok: false,
      status,
      reason:
        'Failed to parse the Hugging Face response: expected [[float, ...], ...] or {"embeddings": [[...]]} (is the endpoint serving the Sentence Embeddings task?)',
    };
  }
  return { ok: true, vectors: vectors as number[][] };
}

export async function handleElasticsearch(ctx: SimContext, req: IncomingMessage, method: string, segments: string[], body: unknown): Promise<Reply> {
  if (!authorized(ctx, req)) {
    return {
      ...esError(401, 'security_exception', `missing authentication credentials for REST request [/${segments.join('/')}]`),
      headers: { 'www-authenticate': 'ApiKey' },
    };
  }
  if (segments.length === 0) {
    if (method !== 'GET') return esError(405, 'method_not_allowed', `Incorrect HTTP method for uri [/], allowed: [GET]`);
    return json(200, { name: 'simulator', cluster_name: 'arazzo-simulator', version: { number: '8.15.0' }, tagline: 'You Know, for Search' });
  }
  if (segments[0] !== '_inference' || segments.length > 3)
    return esError(404, 'resource_not_found_exception', `no handler found for uri [/${segments.join('/')}] and method [${method}]`);
  const [, first, second] = segments;
  const taskType = second !== undefined ? first : undefined;
  const id = second ?? first;
  if (taskType !== undefined && !TASK_TYPES.includes(taskType)) {
    return esError(400, 'illegal_argument_exception', `Unknown task_type [${taskType}]; use one of ${TASK_TYPES.join(', ')}`);
  }

  if (method === 'GET') {
    const all = [...ctx.inference.values()].filter((r) => taskType === undefined || r.taskType === taskType);
    if (id === undefined || id === '_all') return json(200, { endpoints: all.map(info) });
    const rec = ctx.inference.get(id);
    if (!rec || (taskType !== undefined && rec.taskType !== taskType))
      return esError(404, 'resource_not_found_exception', `Inference endpoint not found [${id}]`);
    return json(200, { endpoints: [info(rec)] });
  }
  if (id === undefined || id === '_all') return esError(400, 'action_request_validation_exception', 'Validation Failed: 1: inference_id is missing;');

  if (method === 'DELETE') {
    const rec = ctx.inference.get(id);
    if (!rec || (taskType !== undefined && rec.taskType !== taskType))
      return esError(404, 'resource_not_found_exception', `Inference endpoint not found [${id}]`);
    ctx.inference.delete(id);
    return json(200, { acknowledged: true, pipelines: [] });
  }
  if (method === 'PUT') {
    if (taskType === undefined)
      return esError(
        400,
        'action_request_validation_exception',
        `Validation Failed: 1: put the endpoint at /_inference/<task_type>/${id} (e.g. text_embedding);`,
      );
    return put(ctx, taskType, id, body);
  }
  if (method === 'POST') {
    const rec = ctx.inference.get(id);
    if (!rec) return esError(404, 'resource_not_found_exception', `Inference endpoint not found [${id}]`);
    if (taskType !== undefined && rec.taskType !== taskType) {
      return esError(
        400,
        'status_exception',
        `Incompatible task_type, the requested type [${taskType}] does not match the inference endpoint type [${rec.taskType}]`,
      );
    }
    return infer(rec, body);
  }
  return esError(405, 'method_not_allowed', `Incorrect HTTP method for uri [/${segments.join('/')}] and method [${method}], allowed: [GET, PUT, POST, DELETE]`);
}

async function put(ctx: SimContext, taskType: string, id: string, body: unknown): Promise<Reply> {
  if (!/^[a-z0-9][a-z0-9_.-]*$/.test(id)) {
    return esError(
      400,
      'validation_exception',
      `Validation Failed: 1: Invalid inference_id [${id}]; must contain only lowercase alphanumeric characters, '-', '_' and '.';`,
    );
  }
  if (ctx.inference.has(id)) return esError(400, 'resource_already_exists_exception', `Inference endpoint [${id}] already exists`);
  if (!isRecord(body)) return esError(400, 'parse_exception', 'request body is required');
  if (body['service'] !== 'hugging_face') {
    return esError(400, 'status_exception', `This emulation supports only service [hugging_face]; got [${String(body['service'])}]`);
  }
  if (!SUPPORTED.has(taskType)) return esError(400, 'status_exception', `The [hugging_face] service does not support task type [${taskType}]`);
  const settings = body['service_settings'];
  if (!isRecord(settings))
    return esError(400, 'validation_exception', 'Validation Failed: 1: [service_settings] does not contain the required setting [api_key];');
  const missing = ['api_key', 'url'].filter((k) => typeof settings[k] !== 'string' || settings[k] === '');
  if (missing.length > 0) {
    return esError(
      400,
      'validation_exception',
      `Validation Failed: ${missing.map((k, i) => `${i + 1}: [service_settings] does not contain the required setting [${k}];`).join(' ')}`,
    );
  }
  if (settings['model_id'] !== undefined) {
    return esError(
      400,
      'validation_exception',
      'Validation Failed: 1: [service_settings] does not allow the setting [model_id] for task type [text_embedding]; remove it;',
    );
  }
  const url = settings['url'] as string;
  try {
    new URL(url);
  } catch {
    return esError(400, 'validation_exception', `Validation Failed: 1: [service_settings] Invalid url [${url}] received for field [url];`);
  }
  const apiKey = settings['api_key'] as string;
  const probe = await callHuggingFace(url, apiKey, ['how big']);
  if (!probe.ok) {
    return esError(400, 'status_exception', 'Could not complete inference endpoint creation as validation call to service threw an exception.', {
      type: 'status_exception',
      reason: probe.reason,
    });
  }
  const rate =
    isRecord(settings['rate_limit']) && typeof settings['rate_limit']['requests_per_minute'] === 'number'
      ? settings['rate_limit']['requests_per_minute']
      : 3000;
  const rec: InferenceRecord = {
    inferenceId: id,
    taskType,
    service: 'hugging_face',
    apiKey,
    serviceSettings: {
      url,
      similarity: typeof settings['similarity'] === 'string' ? settings['similarity'] : 'cosine',
      dimensions: probe.vectors[0]?.length ?? 0,
      rate_limit: { requests_per_minute: rate },
    },
    chunkingSettings: isRecord(body['chunking_settings']) ? body['chunking_settings'] : { strategy: 'sentence', max_chunk_size: 250, sentence_overlap: 1 },
  };
  ctx.inference.set(id, rec);
  return json(200, info(rec));
}

async function infer(rec: InferenceRecord, body: unknown): Promise<Reply> {
  const input = isRecord(body) ? body['input'] : undefined;
  const inputs = typeof input === 'string' ? [input] : isStringArray(input) && input.length > 0 ? input : undefined;
  if (!inputs)
    return esError(400, 'action_request_validation_exception', 'Validation Failed: 1: Field [input] cannot be empty; send a string or an array of strings;');
  const result = await callHuggingFace(String(rec.serviceSettings['url']), rec.apiKey, inputs);
  if (!result.ok) {
    const status = result.status !== undefined && result.status >= 400 ? result.status : 500;
    return esError(status, 'status_exception', `Received an error from the hugging_face service for inference endpoint [${rec.inferenceId}]: ${result.reason}`);
  }
  return json(200, { text_embedding: result.vectors.map((embedding) => ({ embedding })) });
}
