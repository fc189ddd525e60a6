/**
 * Checking a tool call's arguments before anything is sent: against the tool's input schema (the
 * one the client was shown), and against the inputs only the server may give. Each problem is one
 * line that names the argument and says what to change.
 */
import { loadSelectionEngines } from '../selection/engines.js';
import { re2RegExp } from '../selection/regex.js';
import { isRecord } from '../util/guards.js';
import { truncateForMessage } from '../util/truncate.js';
import { inputFlag } from '../cli/inputs.js';
import type { WorkflowTool } from './tools.js';

interface AjvError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly message?: string;
  readonly params?: Record<string, unknown>;
}
type Validate = ((data: unknown) => boolean) & { errors?: AjvError[] | null };

interface AjvLike {
  compile(schema: unknown): Validate;
}

let ajvReady: Promise<AjvLike> | undefined;

/** ajv (draft 2020-12) on RE2, with the formats and the OpenAPI format names, imported and set up once per process. */
function ajv(): Promise<AjvLike> {
  ajvReady ??= (async () => {
    const [{ Ajv2020 }, formats] = await Promise.all([import('ajv/dist/2020.js'), import('ajv-formats'), loadSelectionEngines({ regex: true })]);
    // Patterns run on RE2, as in input validation at run time: an argument cannot hang the server.
    const instance = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, code: { regExp: re2RegExp } });
    formats.default.default(instance); // ajv-formats is CommonJS: its module object is the import's default
    // OpenAPI formats that say how a value is stored, not what it may be.
    for (const f of ['password', 'int32', 'int64', 'float', 'double']) instance.addFormat(f, true);
    return instance;
  })();
  return ajvReady;
}

const validators = new WeakMap<WorkflowTool, Validate | string>();

async function validatorFor(tool: WorkflowTool): Promise<Validate | string> {
  let v = validators.get(tool);
  if (v === undefined) {
    const compiler = await ajv();
    try {
      v = compiler.compile(tool.inputSchema);
    } catch (err) {
      v = `the tool's input schema cannot be compiled (${(err as Error).message}); fix the workflow's inputs schema`;
    }
    validators.set(tool, v);
  }
  return v;
}

/** Every problem with the arguments, one line each; empty when the call may run. */
export async function argumentProblems(tool: WorkflowTool, args: unknown): Promise<string[]> {
  if (args !== undefined && !isRecord(args)) return ['arguments: must be a JSON object of input names to values'];
  const given = args ?? {};
  const problems: string[] = [];
  for (const name of Object.keys(given)) {
    if (!tool.hidden.has(name)) continue;
    problems.push(
      name in tool.supplied
        ? `${name}: supplied by the server; remove it from the arguments`
        : `${name}: a secret, which the server must supply, never the arguments; remove it`,
    );
  }
  for (const name of tool.missingSecrets) {
    const input = tool.workflow.inputs.inputs.find((i) => i.name === name);
    const how = input ? inputFlag(input) : `--input-env ${name}=VAR`;
    problems.push(`${name}: a required secret the server was started without; whoever runs the server must add ${how}`);
  }
  const validate = await validatorFor(tool);
  if (typeof validate === 'string') return [...problems, validate];
  if (!validate(given)) for (const e of validate.errors ?? []) problems.push(describe(e));
  return [...new Set(problems)];
}

function describe(e: AjvError): string {
  const where = e.instancePath === '' ? '' : e.instancePath.slice(1).replace(/\//g, '.');
  const p = e.params ?? {};
  if (e.keyword === 'required' && typeof p.missingProperty === 'string') return `${join(where, p.missingProperty)}: required; add it`;
  if (e.keyword === 'additionalProperties' && typeof p.additionalProperty === 'string') {
    return `${join(where, p.additionalProperty)}: not an input of this tool; remove it`;
  }
  if (e.keyword === 'enum' && Array.isArray(p.allowedValues)) {
    return `${where || 'arguments'}: must be one of ${truncateForMessage(p.allowedValues.map((v) => JSON.stringify(v)).join(', '), 200)}`;
  }
  return `${where || 'arguments'}: ${e.message ?? 'is invalid'}`;
}

function join(parent: string, name: string): string {
  return parent === '' ? name : `${parent}.${name}`;
}
