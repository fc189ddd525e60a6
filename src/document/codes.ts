/**
 * Every problem code the document module reports, with what it means. The README's reference
 * section lists these; keep the two in step. Codes are stable: never rename one.
 */
export const DOCUMENT_PROBLEM_CODES = {
  // Reading (readDocument)
  DOCUMENT_NOT_FOUND: 'The file does not exist or cannot be read.',
  DOCUMENT_FETCH_FAILED: 'The URL could not be fetched (network error, timeout, non-2xx status).',
  DOCUMENT_TOO_LARGE: 'The document exceeds the size limit (maxBytes).',
  YAML_SYNTAX: 'The text is neither valid YAML 1.2 nor valid JSON.',
  YAML_DUPLICATE_KEY: 'A mapping repeats a key.',
  YAML_TAG_NOT_ALLOWED: 'A YAML tag other than the JSON-compatible core tags (e.g. !custom, !!binary, !!timestamp).',
  YAML_KEY_NOT_SCALAR: 'A mapping key is a list or a mapping.',
  // Version (P1)
  DOCUMENT_NOT_OBJECT: 'The document root is not a mapping.',
  ARAZZO_VERSION_UNSUPPORTED: 'The root `arazzo` field is missing or not a supported version (1.0.x, 1.1.x).',
  // Schema (ajv against the project schemas)
  SCHEMA_REQUIRED: 'A required field is missing.',
  SCHEMA_UNKNOWN_PROPERTY: 'A field the spec does not define (extensions must start with x-).',
  SCHEMA_TYPE: 'A field has the wrong JSON type.',
  SCHEMA_ENUM: 'A field has a value outside its allowed set.',
  SCHEMA_PATTERN: 'A string or key does not match its required pattern.',
  SCHEMA_MIN_ITEMS: 'A list that must not be empty is empty.',
  SCHEMA_DUPLICATE_ITEMS: 'A list that must hold unique values repeats one.',
  SCHEMA_RANGE: 'A number is out of range (e.g. negative).',
  SCHEMA_INVALID: 'Any other schema violation.',
  // Semantic checks (validate.ts)
  SOURCE_NAME_DUPLICATE: 'Two source descriptions have the same name.',
  WORKFLOW_ID_DUPLICATE: 'Two workflows have the same workflowId.',
  STEP_ID_DUPLICATE: 'Two steps of one workflow have the same stepId.',
  PARAMETER_DUPLICATE: 'A parameter list repeats a (name, in) pair (header names case-insensitive).',
  ACTION_NAME_DUPLICATE: 'An action list repeats an action name.',
  ID_NOT_PORTABLE: 'Warning: an id or source name outside [A-Za-z0-9_-]+ cannot be referenced by 1.1 expressions.',
  OUTPUT_NAME_INVALID: 'An outputs key does not match ^[a-zA-Z0-9.\\-_]+$.',
  STEP_TARGET_MISSING: 'A step has none of operationId, operationPath, workflowId.',
  STEP_TARGET_AMBIGUOUS: 'A step has more than one of operationId, operationPath, workflowId.',
  OPERATION_PATH_INVALID: 'operationPath is not `{$sourceDescriptions.<name>.url}#<json-pointer>`.',
  SOURCE_UNKNOWN: 'A `$sourceDescriptions.<name>` reference names no source description.',
  SOURCE_NOT_ARAZZO: 'A cross-document workflowId points at a source that is not an Arazzo document.',
  WORKFLOW_NOT_FOUND: 'A workflowId (step, action or dependsOn) names no workflow in this document.',
  STEP_NOT_FOUND: 'An action stepId names no step of the current workflow.',
  STEP_REFERENCE_INVALID: 'A `$steps.<id>.` expression does not continue with `outputs` (e.g. `$steps.x.availablePets`).',
  STEP_DEPENDS_ON_NOT_FOUND: 'A 1.1 step dependsOn entry names no step.',
  DEPENDS_ON_CYCLE: 'Workflow dependsOn entries form a cycle (P15).',
  STEP_FORWARD_REFERENCE: 'A step reads $steps.<id>.outputs of a later step without dependsOn (1.1: error; 1.0: warning).',
  STEP_SELF_REFERENCE: 'Warning: a step reads its own outputs before they exist (outside its outputs/criteria/actions).',
  ACTION_TARGET_MISSING: 'A goto action has neither stepId nor workflowId.',
  ACTION_TARGET_AMBIGUOUS: 'An action has both stepId and workflowId.',
  ACTION_TARGET_NOT_ALLOWED: 'An end action has a stepId or workflowId.',
  ACTION_PARAMETERS_WITHOUT_WORKFLOW: 'Action parameters are given but the action has no workflowId target.',
  ACTION_PARAMETER_IN_NOT_ALLOWED: 'An action parameter uses `in` (MUST NOT).',
  COMPONENT_REFERENCE_INVALID: 'A Reusable Object reference is not `$components.<kind>.<key>`.',
  COMPONENT_KIND_MISMATCH: 'A Reusable Object references the wrong kind of component for its list.',
  COMPONENT_NOT_FOUND: 'A Reusable Object references a component that does not exist.',
  REUSABLE_VALUE_NOT_ALLOWED: '`value` is set on a Reusable Object that is not a parameter reference.',
  PARAMETER_IN_REQUIRED: 'An inline parameter of an operation step has no `in`.',
  PARAMETER_IN_IGNORED: 'Warning: a parameter of a workflow step has `in`, which is not used.',
  REQUEST_BODY_ON_WORKFLOW_STEP: 'A step with workflowId has a requestBody.',
  CRITERION_CONTEXT_REQUIRED: 'A regex/jsonpath/xpath criterion has no context.',
  CRITERION_CONDITION_BRACED: 'Warning: a simple condition is wrapped in {…} (#362); write it without braces.',
  ASYNCAPI_UNSUPPORTED: 'AsyncAPI features (channelPath, action, correlationId, asyncapi sources, in: channel) are not supported (P1).',
} as const;

export type DocumentProblemCode = keyof typeof DOCUMENT_PROBLEM_CODES;
