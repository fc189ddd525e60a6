/**
 * Redocly's `x-operation` step extension (a dialect, docs/dialects.md): `{url, method}` instead
 * of an OpenAPI operation, run as a plain HTTP request. Respect documents it as: `url` REQUIRED,
 * an absolute URL or a runtime expression; `method` REQUIRED, an HTTP method in either case.
 *
 * The step gets an operation of its own making (no source, no parameters, no responses), so the
 * engine builds and sends its request like any other; the URL is its base (StepExtensions.operationUrl).
 * Its query, header and cookie parameters are sent as written. It has no path template, so `in:
 * path` parameters have nowhere to go: put such values into the URL with `{$…}`.
 */
import type { CompiledValue } from '../expressions/types.js';
import type { OperationInfo } from '../sources/types.js';
import { type DocumentScope, isObj, isStr, list, type Obj, type Site } from './scope.js';
import { compileValueAt } from './values.js';

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT', 'QUERY']);

/** What an x-operation step runs: its operation (of its own making) and its URL. */
export interface XOperation {
  readonly operation: OperationInfo;
  readonly url: CompiledValue;
}

/** Check and compile a step's `x-operation`; undefined (reported) when it is malformed. */
export function compileXOperation(scope: DocumentScope, step: Obj, path: string, site: Site): XOperation | undefined {
  const at = `${path}['x-operation']`;
  const raw = step['x-operation'];
  if (!isObj(raw)) {
    scope.reporter.error(
      'STEP_EXTENSION_INVALID',
      at,
      'x-operation must be an object with a url and a method, e.g. { url: https://api.example.com/items, method: GET }.',
    );
    return undefined;
  }
  const method = isStr(raw.method) ? raw.method.toUpperCase() : undefined;
  let ok = true;
  if (method === undefined || !METHODS.has(method)) {
    ok = false;
    scope.reporter.error(
      'STEP_EXTENSION_INVALID',
      raw.method === undefined ? at : `${at}.method`,
      `x-operation needs a method: one of ${[...METHODS].join(', ')} (either case)${raw.method === undefined ? '' : `, not ${JSON.stringify(raw.method)}`}.`,
    );
  }
  if (!isStr(raw.url) || raw.url.trim() === '') {
    scope.reporter.error(
      'STEP_EXTENSION_INVALID',
      raw.url === undefined ? at : `${at}.url`,
      'x-operation needs a url: an absolute http(s) URL, or a runtime expression that gives one.',
    );
    return undefined;
  }
  const url = compileValueAt(scope, raw.url, `${at}.url`, site);
  if (url.isStatic && !/^https?:\/\/[^/?#\s]+/i.test(raw.url)) {
    ok = false;
    scope.reporter.error(
      'STEP_EXTENSION_INVALID',
      `${at}.url`,
      `x-operation url "${raw.url}" is not an absolute http(s) URL (such as https://api.example.com/items).`,
    );
  }
  list(step.parameters).forEach((p, i) => {
    if (isObj(p) && p.in === 'path') {
      ok = false;
      scope.reporter.error(
        'STEP_EXTENSION_INVALID',
        `${path}.parameters[${i}].in`,
        `An x-operation step has no path template for path parameters to fill: put the value into its url with {$…} (e.g. url: 'https://api.example.com/items/{$inputs.id}').`,
      );
    }
  });
  if (!ok) return undefined;
  scope.reporter.warn(
    'DIALECT_X_OPERATION',
    at,
    `x-operation (Redocly's extension) is run as a plain ${method} request to ${JSON.stringify(raw.url)}, with no OpenAPI operation: nothing checks its parameters or describes its responses. The standard spelling is an operation in an OpenAPI source description, called by operationId.`,
  );
  const operation: OperationInfo = {
    sourceName: '',
    pointer: '',
    method: method as string,
    pathTemplate: '',
    servers: [],
    parameters: [],
    responses: {},
    security: [],
  };
  return { operation, url };
}
