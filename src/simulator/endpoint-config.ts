/**
 * Validation and normalisation of create (`Endpoint`) and update (`EndpointUpdate`) bodies, with
 * the messages a user needs to fix the request.
 */
import { checkHardware } from './catalog.js';
import { asRecord, isRecord } from '../util/guards.js';

export const NAME_PATTERN = /^[a-z0-9-]{1,32}$/;
export const ENDPOINT_TYPES = ['public', 'authenticated', 'protected', 'private', 'verified'] as const;
export const FRAMEWORKS = ['custom', 'pytorch', 'tensorflow', 'llamacpp'] as const;
export const ACCELERATORS = ['cpu', 'gpu', 'neuron'] as const;

export type Checked = { readonly config: Record<string, unknown> } | { readonly error: string };

export function nameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'Field name is required and must be a string';
  if (!NAME_PATTERN.test(name)) {
    return `Invalid endpoint name '${name}': it must only contain lowercase alphanumeric characters or '-' and have a length of 32 characters maximum`;
  }
  return undefined;
}

function str(obj: Record<string, unknown>, key: string, where: string): string | { error: string } {
  const v = obj[key];
  if (typeof v !== 'string' || v === '') return { error: `Field ${where}${key} is required and must be a non-empty string` };
  return v;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], field: string): string | undefined {
  return (allowed as readonly string[]).includes(value) ? undefined : `Field ${field} must be one of ${allowed.join(', ')}; got '${value}'`;
}

function checkScaling(scaling: unknown): string | undefined {
  if (!isRecord(scaling)) return 'Field compute.scaling is required: {"minReplica": 1, "maxReplica": 1}';
  const { minReplica, maxReplica, scaleToZeroTimeout } = scaling;
  if (!Number.isInteger(minReplica) || (minReplica as number) < 0) return 'Field compute.scaling.minReplica is required and must be an integer >= 0';
  if (!Number.isInteger(maxReplica) || (maxReplica as number) < 1) return 'Field compute.scaling.maxReplica is required and must be an integer >= 1';
  if ((minReplica as number) > (maxReplica as number)) return 'compute.scaling.minReplica must not exceed compute.scaling.maxReplica';
  if (scaleToZeroTimeout !== undefined && scaleToZeroTimeout !== null) {
    if (!Number.isInteger(scaleToZeroTimeout) || (scaleToZeroTimeout as number) < 1)
      return 'Field compute.scaling.scaleToZeroTimeout must be a positive integer (minutes)';
    if (minReplica !== 0) return 'compute.scaling.scaleToZeroTimeout needs compute.scaling.minReplica 0';
  }
  return undefined;
}

function checkModel(model: Record<string, unknown>): string | undefined {
  const repo = str(model, 'repository', 'model.');
  if (typeof repo !== 'string') return repo.error;
  const framework = str(model, 'framework', 'model.');
  if (typeof framework !== 'string') return framework.error;
  const bad = oneOf(framework, FRAMEWORKS, 'model.framework');
  if (bad) return bad;
  if (model['revision'] !== undefined && model['revision'] !== null && typeof model['revision'] !== 'string')
    return 'Field model.revision must be a string or null';
  if (model['task'] !== undefined && typeof model['task'] !== 'string') return 'Field model.task must be a string (omit it rather than sending null)';
  const image = model['image'];
  if (image !== undefined) {
    if (!isRecord(image) || Object.keys(image).length !== 1)
      return 'Field model.image must be an object with exactly one variant, e.g. {"huggingface": {}} or {"tgi": {"url": "..."}}';
    const [variant, settings] = Object.entries(image)[0] as [string, unknown];
    if (!variant.startsWith('huggingface')) {
      if (!isRecord(settings) || typeof settings['url'] !== 'string') return `Field model.image.${variant}.url is required (the container image URL)`;
    }
  }
  return undefined;
}

function checkHardwareOf(config: Record<string, unknown>): string | undefined {
  const provider = asRecord(config['provider']) ?? {};
  const compute = asRecord(config['compute']) ?? {};
  return checkHardware(
    String(provider['vendor']),
    String(provider['region']),
    String(compute['accelerator']),
    String(compute['instanceType']),
    String(compute['instanceSize']),
  );
}

/** Checks a create body and returns the configuration to store. */
export function checkCreate(body: unknown): Checked {
  if (!isRecord(body)) return { error: 'Request body must be a JSON object describing the endpoint (name, type, provider, compute, model)' };
  const nameErr = nameProblem(body['name']);
  if (nameErr) return { error: nameErr };
  const type = str(body, 'type', '');
  if (typeof type !== 'string') return { error: `${type.error} (one of ${ENDPOINT_TYPES.join(', ')})` };
  const badType = oneOf(type, ENDPOINT_TYPES, 'type');
  if (badType) return { error: badType };
  const provider = body['provider'];
  if (!isRecord(provider)) return { error: 'Field provider is required: {"vendor": "aws", "region": "us-east-1"}' };
  for (const k of ['vendor', 'region']) {
    const v = str(provider, k, 'provider.');
    if (typeof v !== 'string') return v;
  }
  const compute = body['compute'];
  if (!isRecord(compute)) return { error: 'Field compute is required: {"accelerator", "instanceType", "instanceSize", "scaling"}' };
  for (const k of ['accelerator', 'instanceType', 'instanceSize']) {
    const v = str(compute, k, 'compute.');
    if (typeof v !== 'string') return v;
  }
  const badAccel = oneOf(compute['accelerator'] as string, ACCELERATORS, 'compute.accelerator');
  if (badAccel) return { error: badAccel };
  const scalingErr = checkScaling(compute['scaling']);
  if (scalingErr) return { error: scalingErr };
  const model = body['model'];
  if (!isRecord(model)) return { error: 'Field model is required: {"repository", "framework", "task"}' };
  const modelErr = checkModel(model);
  if (modelErr) return { error: modelErr };
  const config: Record<string, unknown> = {
    accountId: body['accountId'] ?? null,
    type,
    provider: { vendor: provider['vendor'], region: provider['region'] },
    compute: { ...compute, scaling: { ...(compute['scaling'] as object) } },
    model: normaliseModel(model),
    cacheHttpResponses: body['cacheHttpResponses'] === true,
    tags: Array.isArray(body['tags']) ? body['tags'] : [],
  };
  if (isRecord(body['route'])) config['route'] = body['route'];
  const hwErr = checkHardwareOf(config);
  if (hwErr) return { error: hwErr };
  return { config };
}

function normaliseModel(model: Record<string, unknown>): Record<string, unknown> {
  return {
    ...model,
    revision: model['revision'] ?? null,
    task: model['task'] ?? 'custom',
    image: model['image'] ?? { huggingface: {} },
  };
}

/** Applies a partial update (PUT) to a configuration; null and absent fields are left as they are. */
export function checkUpdate(current: Record<string, unknown>, body: unknown): Checked {
  if (!isRecord(body)) return { error: 'Request body must be a JSON object with the fields to change (compute, model, route, type, tags)' };
  const next: Record<string, unknown> = structuredClone(current);
  if (body['type'] !== undefined && body['type'] !== null) {
    if (typeof body['type'] !== 'string') return { error: 'Field type must be a string' };
    const bad = oneOf(body['type'], ENDPOINT_TYPES, 'type');
    if (bad) return { error: bad };
    next['type'] = body['type'];
  }
  for (const section of ['compute', 'model', 'route'] as const) {
    const patch = body[section];
    if (patch === undefined || patch === null) continue;
    if (!isRecord(patch)) return { error: `Field ${section} must be an object` };
    const merged: Record<string, unknown> = { ...asRecord(next[section]) };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null || v === undefined) continue;
      if (section === 'compute' && k === 'scaling' && isRecord(v)) {
        const scaling: Record<string, unknown> = { ...asRecord(merged['scaling']) };
        for (const [sk, sv] of Object.entries(v)) if (sv !== undefined) scaling[sk] = sv;
        merged['scaling'] = scaling;
      } else {
        merged[k] = v;
      }
    }
    next[section] = merged;
  }
  if (Array.isArray(body['tags'])) next['tags'] = body['tags'];
  if (typeof body['cacheHttpResponses'] === 'boolean') next['cacheHttpResponses'] = body['cacheHttpResponses'];
  const compute = asRecord(next['compute']) ?? {};
  const badAccel = oneOf(String(compute['accelerator']), ACCELERATORS, 'compute.accelerator');
  if (badAccel) return { error: badAccel };
  const scalingErr = checkScaling(compute['scaling']);
  if (scalingErr) return { error: scalingErr };
  const modelErr = checkModel(asRecord(next['model']) ?? {});
  if (modelErr) return { error: modelErr };
  const hwErr = checkHardwareOf(next);
  if (hwErr) return { error: hwErr };
  return { config: next };
}
