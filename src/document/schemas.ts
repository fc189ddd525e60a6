/**
 * JSON Schemas (draft 2020-12) for Arazzo 1.0.x and 1.1.x, written from the spec text. The two
 * versions share most definitions, so one builder produces both; `schema-1.0.ts` and
 * `schema-1.1.ts` export the objects. They are the one source of truth for the document's shape:
 * the validators and the TypeScript types in `generated/` are generated from them
 * (`npm run generate:validators`; a test fails while they are stale). A `description` here becomes
 * the doc comment of the generated type.
 *
 * Deliberate differences from the official schemas (rules file §10.2, §2.5, §5.1, §6):
 * - no `oneOf` anywhere: alternatives are `if/then/else`, so a mistake yields one error, not noise;
 *   step-target and action-target exclusivity are checked by the semantic validator instead;
 * - Reusable Objects ignore extra keys; their `value` accepts any JSON value;
 * - Parameter `value`, replacement `value` accept any JSON value (objects included);
 * - a criterion `type` of `simple` needs no `context` (P9), and the other types' `context`
 *   requirement is checked semantically;
 * - an Expression Type Object is accepted in criterion `type` in 1.0 too (#336);
 * - `retry` needs neither a target nor `retryAfter` (#341, #342);
 * - failure-action `criteria` may be empty (always matches); success-action `criteria` needs ≥1;
 * - the AsyncAPI step fields (`channelPath`, `action`, `correlationId`) and `in: channel` are
 *   accepted structurally so the semantic validator can reject them with `ASYNCAPI_UNSUPPORTED` (P1).
 */
/** The Arazzo minor versions this engine reads (P1). */
export type ArazzoVersion = '1.0' | '1.1';

type Schema = Record<string, unknown>;

const EXTENSIONS = { '^x-': true } as const;
const COMPONENT_KEY = '^[a-zA-Z0-9\\.\\-_]+$';

function object(properties: Record<string, Schema | boolean>, required: string[] = []): Schema {
  return {
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
    patternProperties: EXTENSIONS,
    additionalProperties: false,
  };
}

const ref = (name: string): Schema => ({ $ref: `#/$defs/${name}` });
const str: Schema = { type: 'string' };

/** A list whose entries are either an inline object or a Reusable Object (`reference` present). */
function listOrReusable(inline: string): Schema {
  return {
    type: 'array',
    items: { if: { type: 'object', required: ['reference'] }, then: ref('reusable-object'), else: ref(inline) },
  };
}

export function buildArazzoSchema(version: ArazzoVersion): Schema {
  const v11 = version === '1.1';
  const expressionTypeVersions: Record<string, string[]> = v11
    ? {
        jsonpath: ['rfc9535', 'draft-goessner-dispatch-jsonpath-00'],
        xpath: ['xpath-31', 'xpath-30', 'xpath-20', 'xpath-10'],
        jsonpointer: ['rfc6901'],
      }
    : {
        jsonpath: ['draft-goessner-dispatch-jsonpath-00'],
        xpath: ['xpath-30', 'xpath-20', 'xpath-10'],
      };
  const expressionType: Schema = {
    ...object({ type: { enum: Object.keys(expressionTypeVersions) }, version: str }, ['type', 'version']),
    allOf: Object.entries(expressionTypeVersions).map(([type, versions]) => ({
      if: { properties: { type: { const: type } }, required: ['type'] },
      then: { properties: { version: { enum: versions } } },
    })),
  };
  const stringOrExpressionType = (names: string[]): Schema => ({
    if: { type: 'string' },
    then: { enum: names },
    else: ref('expression-type'),
  });
  const outputValue: Schema = v11 ? { if: { type: 'string' }, then: str, else: ref('selector') } : str;

  const stepProperties: Record<string, Schema | boolean> = {
    stepId: str,
    description: str,
    operationId: str,
    operationPath: str,
    workflowId: str,
    parameters: listOrReusable('parameter'),
    requestBody: ref('request-body'),
    successCriteria: { type: 'array', minItems: 1, items: ref('criterion') },
    onSuccess: listOrReusable('success-action'),
    onFailure: listOrReusable('failure-action'),
    outputs: { type: 'object', additionalProperties: outputValue },
    // AsyncAPI fields: structurally accepted, rejected by the semantic validator (P1).
    channelPath: str,
    action: str,
    correlationId: str,
  };
  if (v11) {
    stepProperties.timeout = { type: 'integer', minimum: 0, description: '1.1: milliseconds.' };
    stepProperties.dependsOn = {
      type: 'array',
      items: str,
      uniqueItems: true,
      description: '1.1: step ids (or `$workflows.<wf>.steps.<id>`) that must have run first.',
    };
  }

  const actionBase = (types: string[]): Record<string, Schema> => ({
    name: str,
    type: { enum: types },
    workflowId: str,
    stepId: str,
    // 1.1 action parameters; accepted in 1.0 documents too (P14).
    parameters: { ...listOrReusable('parameter'), description: '1.1 (accepted in 1.0 documents too, P14).' },
  });

  const replacementProperties: Record<string, Schema | boolean> = { target: str, value: true };
  if (v11) replacementProperties.targetSelectorType = { ...stringOrExpressionType(['jsonpointer', 'jsonpath', 'xpath']), description: '1.1' };

  const rootProperties: Record<string, Schema | boolean> = {
    arazzo: { type: 'string', pattern: v11 ? '^1\\.1\\.\\d+(-.+)?$' : '^1\\.0\\.\\d+(-.+)?$' },
    info: ref('info'),
    sourceDescriptions: { type: 'array', minItems: 1, items: ref('source-description') },
    workflows: { type: 'array', minItems: 1, items: ref('workflow') },
    components: ref('components'),
  };
  if (v11) rootProperties.$self = { type: 'string', pattern: '^[^#]*$' };

  const defs: Record<string, Schema> = {
    info: object({ title: str, summary: str, description: str, version: str }, ['title', 'version']),
    'source-description': object(
      {
        name: { type: 'string', pattern: '^[A-Za-z0-9_\\-]+$' },
        url: str,
        type: { enum: v11 ? ['openapi', 'arazzo', 'asyncapi'] : ['openapi', 'arazzo'] },
      },
      ['name', 'url'],
    ),
    workflow: object(
      {
        workflowId: str,
        summary: str,
        description: str,
        inputs: { type: ['object', 'boolean'] },
        dependsOn: { type: 'array', items: str, uniqueItems: true },
        steps: { type: 'array', minItems: 1, items: ref('step') },
        successActions: listOrReusable('success-action'),
        failureActions: listOrReusable('failure-action'),
        outputs: { type: 'object', additionalProperties: outputValue },
        parameters: listOrReusable('parameter'),
      },
      ['workflowId', 'steps'],
    ),
    step: object(stepProperties, ['stepId']),
    parameter: object(
      {
        name: str,
        in: { enum: v11 ? ['path', 'query', 'header', 'cookie', 'querystring', 'channel'] : ['path', 'query', 'header', 'cookie'] },
        value: true,
      },
      ['name', 'value'],
    ),
    'reusable-object': {
      type: 'object',
      properties: { reference: str, value: true },
      required: ['reference'],
    },
    'success-action': object({ ...actionBase(['end', 'goto']), criteria: { type: 'array', minItems: 1, items: ref('criterion') } }, ['name', 'type']),
    'failure-action': object(
      {
        ...actionBase(['end', 'goto', 'retry']),
        retryAfter: { type: 'number', minimum: 0, description: 'Seconds, decimals allowed.' },
        retryLimit: { type: 'integer', minimum: 0 },
        criteria: { type: 'array', items: ref('criterion') },
      },
      ['name', 'type'],
    ),
    criterion: object({ context: str, condition: str, type: stringOrExpressionType(['simple', 'regex', 'jsonpath', 'xpath']) }, ['condition']),
    'expression-type': expressionType,
    'request-body': object({ contentType: str, payload: true, replacements: { type: 'array', items: ref('payload-replacement') } }),
    'payload-replacement': object(replacementProperties, ['target', 'value']),
    components: object({
      inputs: { type: 'object', propertyNames: { pattern: COMPONENT_KEY }, additionalProperties: { type: ['object', 'boolean'] } },
      parameters: { type: 'object', propertyNames: { pattern: COMPONENT_KEY }, additionalProperties: ref('parameter') },
      successActions: { type: 'object', propertyNames: { pattern: COMPONENT_KEY }, additionalProperties: ref('success-action') },
      failureActions: { type: 'object', propertyNames: { pattern: COMPONENT_KEY }, additionalProperties: ref('failure-action') },
    }),
  };
  if (v11) {
    defs.selector = {
      ...object({ context: str, selector: str, type: stringOrExpressionType(['jsonpath', 'xpath', 'jsonpointer']) }, ['context', 'selector', 'type']),
      description: '1.1 Selector Object.',
    };
  }

  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://arazzo-engine.dev/schemas/arazzo-${version}.json`,
    description: `Arazzo ${version}.x document (project schema, written from the spec text)`,
    ...object(rootProperties, ['arazzo', 'info', 'sourceDescriptions', 'workflows']),
    $defs: defs,
  };
}
