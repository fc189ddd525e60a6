/**
 * Every error and problem code the engine, the loader and the command line use, in one place.
 * Each table maps a code to what it means; README.md's reference tables list the same codes (a
 * test keeps the two in step). Codes are stable: never rename one.
 *
 * Adding a code is one line in the right table below, plus its row in README.md. `ErrorCode` is
 * the union of every table's keys, and `ArazzoError` and `Problem` take only an `ErrorCode`, so
 * tsc rejects a code that is in no table.
 *
 * A code may sit in several tables (`WORKFLOW_NOT_FOUND` is a load problem, a run error and a CLI
 * error): the tables say where a code can come from; the union has it once.
 */

/** Problems found while reading and validating a document, before its sources are loaded. */
export const DOCUMENT_PROBLEM_CODES = {
  // Reading (readDocument)
  DOCUMENT_NOT_FOUND: 'The file does not exist, or is a directory, a device or a FIFO rather than a regular file.',
  DOCUMENT_FETCH_FAILED: 'The URL could not be fetched (network error, timeout, non-2xx status, a host or redirect outside allowHosts).',
  DOCUMENT_TOO_LARGE: 'The document exceeds the size cap (maxSourceBytes, --max-source-bytes; default 64 MiB).',
  YAML_SYNTAX: 'The text is neither valid YAML 1.2 nor valid JSON.',
  YAML_DUPLICATE_KEY: 'A mapping repeats a key.',
  YAML_TAG_NOT_ALLOWED: 'A YAML tag other than the JSON-compatible core tags (e.g. !custom, !!binary, !!timestamp).',
  YAML_KEY_NOT_SCALAR: 'A mapping key is a list or a mapping.',
  YAML_ALIAS_LIMIT: 'YAML aliases (*name) expand to more than 1000 nodes: a "billion laughs" document (or source).',
  DOCUMENT_TOO_DEEP: 'Mappings and lists are nested more than 256 levels deep, or an alias refers to its own ancestor (documents and sources).',
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
  // Semantic checks (the compile pass, src/compile/)
  SOURCE_NAME_DUPLICATE: 'Two source descriptions have the same name.',
  WORKFLOW_ID_DUPLICATE: 'Two workflows have the same workflowId.',
  STEP_ID_DUPLICATE: 'Two steps of one workflow have the same stepId.',
  PARAMETER_DUPLICATE: 'A parameter list repeats a (name, in) pair (names are case-sensitive).',
  PARAMETER_HEADER_CASE: 'Warning: two header parameters of a list differ only in case; HTTP sends one header (the later value).',
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
  STEP_REFERENCE_INVALID:
    'A `$steps.<id>.<name>` expression without `outputs` where step <id> declares no output <name> (e.g. `$steps.x.availablePets`); with the output declared it is the DIALECT_STEP_OUTPUTS warning.',
  STEP_DEPENDS_ON_NOT_FOUND: 'A 1.1 step dependsOn entry names no step.',
  DEPENDS_ON_CYCLE: 'Workflow dependsOn entries form a cycle (P15).',
  STEP_FORWARD_REFERENCE: 'A step reads $steps.<id>.outputs of a later step without dependsOn (1.1: error; 1.0: warning).',
  STEP_SELF_REFERENCE: 'Warning: a step reads its own outputs before they exist (outside its outputs/criteria/actions).',
  ACTION_TARGET_MISSING: 'A goto action has neither stepId nor workflowId.',
  GOTO_LOOP_UNPACED:
    'Warning: steps joined by goto form a loop with no x-delay, no retryAfter and no x-max-executions; it sends requests back to back until the step cap stops it.',
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
  INPUTS_SCHEMA_INVALID:
    'A JSON Schema of the document (workflow inputs, components.inputs) breaks the JSON Schema 2020-12 meta-schema (e.g. required: true on a property) or cannot be compiled.',
  CRITERION_CONDITION_BRACED: 'A simple condition is wrapped in {…} (#362), which makes it no condition; write it without braces.',
  ASYNCAPI_UNSUPPORTED: 'AsyncAPI features (channelPath, action, correlationId, asyncapi sources, in: channel) are not supported (P1).',
} as const;

/** Problems found while loading source descriptions and resolving step targets. */
export const SOURCE_PROBLEM_CODES = {
  SOURCE_NOT_FOUND: 'A source description file does not exist, or its URL answered 404/410.',
  SOURCE_FETCH_FAILED: 'A source could not be read (network error, non-2xx status, unsupported scheme, failing Arazzo loader).',
  SOURCE_TOO_LARGE: 'A source (or a file it $refs) exceeds the size cap (maxSourceBytes, --max-source-bytes; default 64 MiB).',
  SOURCE_TIMEOUT: 'A remote source did not answer completely within timeoutMs.',
  SOURCE_HOST_NOT_ALLOWED: 'A remote source (or a $ref, or a redirect hop) is on a host not listed in allowHosts.',
  SOURCE_FILE_NOT_ALLOWED:
    'A document or description read over http(s) refers to a local file (a file: source url or $ref); remote documents never read local files.',
  SOURCE_URL_INVALID: 'A source url is not a valid URI reference.',
  SOURCE_INVALID: 'A source is not valid JSON/YAML, not a usable OpenAPI description, or an Arazzo document with problems.',
  SOURCE_TYPE_UNKNOWN: 'A source has no type and its root has no openapi/swagger/arazzo key (P2), or an unknown type.',
  SOURCE_TYPE_MISMATCH: 'A source declared openapi is an Arazzo document (or the reverse).',
  ASYNCAPI_UNSUPPORTED: 'An asyncapi source or an operation in one (P1).',
  ARAZZO_LOADER_MISSING: 'loadSources was called without an Arazzo loader for an arazzo-type source (library misuse; loadArazzo always passes one).',
  SOURCE_UNKNOWN: 'A $sourceDescriptions.<name> reference names no source description.',
  SOURCE_NOT_LOADED: 'A reference into a source that failed to load (a consequence; dropped by the loader).',
  SOURCE_NOT_ARAZZO: 'A workflowId points into an OpenAPI source.',
  STEP_TARGET_INVALID: 'An operationId/operationPath points into an Arazzo source.',
  OPERATION_NOT_FOUND: 'No operation has that operationId (with a "did you mean" suggestion, which says when only the case differs).',
  DIALECT_SOURCE_DOT_OPERATION_ID:
    "Warning: an operationId written `<sourceName>.<operationId>` (Redocly's form), which no source defines literally; read as `$sourceDescriptions.<sourceName>.<operationId>`.",
  OPERATION_ID_UNQUALIFIED:
    'Warning: a bare operationId in a document with several non-arazzo sources, where the spec requires the qualified form (P3 runs it when only one source defines it).',
  OPERATION_AMBIGUOUS: 'A bare operationId is defined by several OpenAPI sources (P3); qualify it.',
  OPERATION_ID_INVALID: 'An operationId starting with $sourceDescriptions. is not <name>.<operationId>.',
  OPERATION_PATH_INVALID: 'operationPath has no #pointer or does not start with the source url expression.',
  OPERATION_PATH_NOT_OPERATION: 'operationPath ends at a Path Item, not an Operation (P4).',
  OPERATION_PATH_NOT_FOUND: 'operationPath points at nothing in the source.',
  WORKFLOW_NOT_FOUND: 'A workflowId names no workflow (locally or in the named arazzo source).',
  SOURCES_SKIPPED: 'Warning: the sources were not read (`sources: false`, `validate --no-sources`); the message lists what was not checked.',
} as const;

/** Problems found while compiling expressions, criteria and step extensions at load. */
export const COMPILE_PROBLEM_CODES = {
  CRITERION_SYNTAX:
    'A condition does not parse (with the offset), or a regex needs backtracking (backreference, lookaround) or cannot run on the linear-time engine.',
  DIALECT_DOUBLE_QUOTED_STRING: 'Warning: a condition writes a string in double quotes; it is read as the single-quoted string the message names.',
  DIALECT_REGEX_INLINE_FLAGS: 'Warning: a regex criterion starts with an inline flag group ((?i), (?m), (?s)); it sets the matching ECMA-262 flags.',
  DIALECT_STEP_OUTPUTS: 'Warning: `$steps.<id>.<name>` without `.outputs.`, where step <id> declares output <name>; read as `$steps.<id>.outputs.<name>`.',
  DIALECT_X_OPERATION: "Warning: a step runs Redocly's x-operation ({url, method}) instead of an OpenAPI operation; it is sent as a plain HTTP request.",
  DIALECT_BODY_DOT_PATH: 'Warning: a dot path into a body (`$response.body.a.b`, `$request.body.a.b`); read as the JSON Pointer `$response.body#/a/b`.',
  STEP_OUTPUT_UNDECLARED: '`$steps.<id>.outputs.<name>` where step <id> declares no output <name>: it would always be empty.',
  INPUT_UNDECLARED:
    "`$inputs.<name>` where the workflow's inputs schema does not declare <name>: an error when the schema allows no other properties, else a warning.",
  CRITERION_NO_EXCHANGE:
    'Warning: a criterion of a step that runs a workflow reads $statusCode, $response, $request, $url or $method, which are undefined there (P16).',
  REPLACEMENT_TARGET_INVALID: 'A payload replacement target is a malformed JSON Pointer, JSONPath or XPath.',
  EXPRESSION_SYNTAX: 'A runtime expression does not parse; the message gives the offset and, where possible, the fix.',
  EXPRESSION_UNSUPPORTED: '$message.*: AsyncAPI only.',
  EXPRESSION_BARE: 'Warning (P28): a bare expression inside a longer string is interpolated; {$…} is the portable form.',
  EXPRESSION_NEAR_MISS:
    'A string holds a near miss of a runtime expression ($respnse.body#/id, $input.x, $body.x, $statuscode) that would be sent as literal text; the message names the spelling meant.',
  STEP_EXTENSION_INVALID:
    'An x-delay / x-max-* / x-server-url value is not a number or a valid expression (a literal such as 2s at load; an expression when it runs).',
  CHECKS_EXTENSION_INVALID:
    'An x-arazzo-checks extension (document, workflow or step) is not a mapping of check names (status, content-type, schema, headers, request, all) to levels (error, warn, off): a warning at load, an error (exit 2) when the contract checks are set up.',
  PARAMETER_NOT_IN_OPERATION: 'Warning: a (name, in) parameter the target operation does not define.',
  X_SECURITY_INVALID:
    'An x-security entry (step or workflow) is malformed: not a list of {schemeName | scheme, values}, an unknown schemeName, a value its scheme needs is missing, or a scheme that cannot be applied (digest, mutualTLS).',
  JSON_POINTER_SYNTAX: 'A JSON Pointer is malformed.',
} as const;

/** What loading throws: a `DocumentError` with every problem. */
export const LOAD_ERROR_CODES = {
  DOCUMENT_INVALID: 'The document has error-severity problems; `DocumentError.problems` lists them all.',
} as const;

/** Why a run failed (`RunResult.error.code`), or what `runWorkflow` throws for a caller mistake. */
export const RUN_ERROR_CODES = {
  STEP_FAILED: 'A step failed (non-2xx without criteria, or an onFailure end) and no action handled it.',
  CRITERION_FAILED: 'Success criteria did not pass.',
  PARAMETER_UNRESOLVED: 'A required parameter or body resolved to nothing (P25).',
  PARAMETER_INVALID: 'A parameter value cannot be sent (a `.`/`..` path segment, or a header HTTP cannot carry).',
  INPUT_INVALID: "The inputs do not match the workflow's inputs schema, or nest more than 1,000 levels deep.",
  DEPENDENCY_FAILED: 'A dependsOn prerequisite failed.',
  STEP_TIMEOUT: 'A 1.1 step timeout was exceeded.',
  MAX_STEPS_EXCEEDED: 'The run executed more steps than limits.maxSteps.',
  STEP_LIMIT_EXCEEDED: 'A step ran more often than its x-max-executions.',
  STEP_DEADLINE_EXCEEDED: 'A step kept running past its x-max-duration.',
  RUN_TIMEOUT: 'The run took longer than limits.timeoutMs.',
  RETRY_AFTER_EXCEEDS_TIMEOUT: "A response's Retry-After asked for a wait longer than the run has left of limits.timeoutMs.",
  WORKFLOW_DEPTH_EXCEEDED: 'Workflows ran nested deeper than limits.maxDepth (a workflow calling itself without end).',
  RUN_CANCELLED: 'The AbortSignal fired (CLI: Ctrl-C).',
  SERVER_URL_MISSING: 'No usable base URL for a request.',
  REPLACEMENT_TARGET_INVALID: 'A payload replacement target cannot be applied (P17); the message says why.',
  JSON_POINTER_SYNTAX: 'A JSON Pointer is malformed (the pointer helpers; a replacement reports REPLACEMENT_TARGET_INVALID).',
  JSON_POINTER_TARGET: 'A JSON Pointer points where nothing can be written (the pointer helpers; a replacement reports REPLACEMENT_TARGET_INVALID).',
  STEP_TARGET_UNRESOLVED: 'A step reached the run without a resolved operation (loading prevents this: a bug if seen).',
  WORKFLOW_NOT_FOUND: 'runWorkflow was given a workflowId the document does not have.',
  RESUME_STATE_INVALID: 'runWorkflow was given a resume state it cannot use (details.path names the field).',
  LIMITS_INVALID: 'runWorkflow was given a limit it cannot use (limits.maxDepth not a whole number of at least 1).',
  OUTPUT_UNRESOLVED:
    "Not a failure: a `warning` event (and RunResult.warnings, the --json report's warnings) for a workflow output that resolved to nothing and was left out (P6).",
  TIMER_CANCELLED: "The engine's own abort reason for a cancelled timer; it never reaches a caller.",
  AUTH_CREDENTIAL_INVALID:
    'A credential does not fit its security scheme (RunOptions.auth: e.g. a token for an http basic scheme), cannot be sent in a header, or an x-security value resolved to nothing.',
  AUTH_TOKEN_FAILED:
    'Getting an OAuth2 access token failed: the token endpoint or the OpenID Connect discovery document could not be reached, timed out, answered non-2xx, or gave no access_token.',
  TLS_CONFIG_INVALID:
    'RunOptions.tls is unusable: a CA, certificate or key that does not parse, a certificate without its key, or tls combined with a dispatcher, fetch or http transport of your own.',
  CONTRACT_REQUEST_INVALID: 'A request check at level error: the request breaks the OpenAPI description of its operation, so it was not sent.',
  CONTRACT_RESPONSE_INVALID: 'A response check at level error (status, content-type, schema, headers): the response breaks the OpenAPI description.',
} as const;

/** Transport failures: the request got no usable response. Failure actions can match them. */
export const TRANSPORT_ERROR_CODES = {
  HTTP_CONNECTION: 'The connection failed or was reset.',
  HTTP_TIMEOUT: 'The request timed out.',
  HTTP_BODY_TOO_LARGE: 'The response body exceeded the size cap.',
} as const;

/** Errors the command line raises itself (all exit 2, nothing was sent). */
export const CLI_ERROR_CODES = {
  CLI_USAGE: 'A malformed option value, a missing document, or conflicting options.',
  CLI_UNKNOWN_COMMAND: 'Not one of run, test, validate, list, graph, mcp, worker, submit, status, cancel.',
  CLI_UNKNOWN_FLAG: 'An option the command does not have.',
  FILE_NOT_FOUND: 'No such file.',
  FILE_UNREADABLE: 'The document cannot be read, or is a directory.',
  WORKFLOW_REQUIRED: 'Several workflows and no --workflow.',
  WORKFLOW_NOT_FOUND: '--workflow names no workflow.',
  INPUT_UNKNOWN: "An input the workflow's schema does not declare.",
  INPUT_COERCION: "A value that does not fit the input's type.",
  INPUT_ENV_MISSING: 'The variable of --input-env is unset or empty.',
  INPUTS_FILE: '--inputs cannot be read or is not a JSON object.',
  SERVER_UNKNOWN_SOURCE: '--server names no source description.',
  AUTH_SCHEME_UNKNOWN: "--auth names no security scheme of the document's OpenAPI sources.",
  AUTH_FLAG_INVALID:
    '--auth is not <scheme>[.<field>]=env:VAR or =file:path, or what it gives does not fit the scheme (e.g. a clientId without a clientSecret).',
  AUTH_CREDENTIAL_MISSING: 'The variable of --auth …=env:VAR is unset or empty, or the file of --auth …=file:path cannot be read or is empty.',
  TLS_FILE_INVALID: '--ca, --cert or --key: the file cannot be read, --cert is given without --key (or the reverse), or the source prefix names no source.',
  YAML_SYNTAX: 'list/graph: the YAML/JSON does not parse.',
  DOCUMENT_INVALID: 'run, mcp: the document has errors.',
  INPUT_INVALID: 'Required inputs are missing, or the schema check rejects them.',
} as const;

/** The durable queue (`arazzo-engine/queue`, `arazzo worker|submit|status|cancel`): docs/queue.md. */
export const QUEUE_ERROR_CODES = {
  QUEUE_RUN_ID_INVALID: 'A run id a client chose is not 1-128 letters, digits, `.`, `_` or `-` (and not only digits).',
  QUEUE_RUN_ID_CONFLICT: 'A run id already names a run of another document, workflow, inputs or options.',
  QUEUE_RUN_NOT_FOUND: 'No run has this id: never submitted, or finished longer ago than the retention period.',
  QUEUE_SECRET_LITERAL: 'submit was given the value of a secret input; give a reference (`env:NAME`) so the value never reaches Redis.',
  QUEUE_SECRET_REFERENCE_INVALID: 'A secret reference is not `scheme:name` (e.g. `env:HF_TOKEN`), or names an input the workflow does not have.',
  QUEUE_SECRET_UNRESOLVED: "The worker could not resolve a run's secret reference (an unset variable, a provider that returned nothing).",
  QUEUE_SEAL_KEY_INVALID: 'A sealing key (`ARAZZO_SEAL_KEY`, `sealKey`) is not 32 bytes in base64 or hex; make one with `openssl rand -base64 32`.',
  QUEUE_SEAL_KEY_REQUIRED:
    'A run obtained a secret at run time (a secret-named output such as a login token) that its next checkpoint would store, and the worker has no sealing key (`ARAZZO_SEAL_KEY`): the run fails before its next request.',
  QUEUE_SEAL_KEY_MISMATCH:
    "A run's stored state holds a secret sealed under another key (or altered in Redis): every worker of a queue needs the same `ARAZZO_SEAL_KEY`.",
  QUEUE_DOCUMENT_MISSING: "The run's documents are no longer in Redis (expired or deleted); submit the run again.",
  QUEUE_REDIS_UNAVAILABLE: 'A client (submit, status, cancel) could not reach Redis (a wrong URL, Redis down); workers wait for it instead.',
  QUEUE_WAIT_TIMEOUT: 'result(..., { wait }) or events() waited longer than their timeoutMs.',
  QUEUE_RUN_LOST: 'BullMQ gave up on the run: its workers stalled more often than maxStalls allows, or a worker failed it.',
} as const;

/** A bug, not a mistake of the user: the message says what broke. CLI exit 1. */
export const INTERNAL_ERROR_CODES = {
  INTERNAL_ERROR: 'An unexpected failure inside the engine or the command line (a bug: please report it).',
} as const;

export type DocumentProblemCode = keyof typeof DOCUMENT_PROBLEM_CODES;
export type SourceProblemCode = keyof typeof SOURCE_PROBLEM_CODES;
export type CompileProblemCode = keyof typeof COMPILE_PROBLEM_CODES;
/** A code a `Problem` can carry: found while loading a document. */
export type ProblemCode = DocumentProblemCode | SourceProblemCode | CompileProblemCode;
export type RunErrorCode = keyof typeof RUN_ERROR_CODES;
export type TransportErrorCode = keyof typeof TRANSPORT_ERROR_CODES;
export type CliErrorCode = keyof typeof CLI_ERROR_CODES;
export type QueueErrorCode = keyof typeof QUEUE_ERROR_CODES;

/** Every code an `ArazzoError` or a `Problem` can carry. */
export type ErrorCode =
  | ProblemCode
  | keyof typeof LOAD_ERROR_CODES
  | RunErrorCode
  | TransportErrorCode
  | CliErrorCode
  | QueueErrorCode
  | keyof typeof INTERNAL_ERROR_CODES;

/** Every table, by the name the README and the docs use for it. */
export const ERROR_CODE_TABLES = {
  document: DOCUMENT_PROBLEM_CODES,
  source: SOURCE_PROBLEM_CODES,
  compile: COMPILE_PROBLEM_CODES,
  load: LOAD_ERROR_CODES,
  run: RUN_ERROR_CODES,
  transport: TRANSPORT_ERROR_CODES,
  cli: CLI_ERROR_CODES,
  queue: QUEUE_ERROR_CODES,
  internal: INTERNAL_ERROR_CODES,
} as const;

/** Every code, once each. */
export const ERROR_CODES: ReadonlySet<ErrorCode> = new Set(Object.values(ERROR_CODE_TABLES).flatMap((table) => Object.keys(table) as ErrorCode[]));

/** Whether a string (say, `RunResult.error.code` read back from JSON) is a known code. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && ERROR_CODES.has(value as ErrorCode);
}
