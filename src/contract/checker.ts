/**
 * Contract checks for the runs of one loaded document: the `checks` hook of `runWorkflow`.
 *
 * ```ts
 * const checks = await createContractChecks(doc);            // every check at error
 * const result = await runWorkflow(doc, 'createPet', inputs, { checks });
 * result.checks;                                             // the findings, masked
 * ```
 *
 * Every operation a step of the document (or of its Arazzo sources) calls is compiled when the
 * checks are created, once; reuse the object for every run of the document.
 */
import { type LoadedDocument, workflowPlan } from '../compile/loaded.js';
import type { MessageView } from '../expressions/types.js';
import type { CheckedStep, HttpRequest, HttpResponse, StepChecks } from '../engine/types.js';
import type { OpenApiSource, OperationInfo } from '../sources/types.js';
import { checkRequest, type RequestMemo } from './check-request.js';
import { checkResponse } from './check-response.js';
import type { LevelOverrides } from '../document/checks-extension.js';
import { applyLevels, StepLevels, uniformLevels } from './levels.js';
import { compileOperation, type OperationContract } from './operation.js';
import type { CheckFinding, CheckLevel, CheckLevels } from './types.js';
import { loadValidators } from './validator.js';

export interface ContractCheckOptions {
  /** The level of every check before overrides: `error` (default) or `warn`, `off`. */
  readonly base?: CheckLevel;
  /** Levels by check (`all` for every one), over the base; `x-arazzo-checks` in the document overrides these. */
  readonly levels?: LevelOverrides;
}

export interface ContractChecks extends StepChecks {
  /** What cannot be checked (a pattern RE2 cannot run, a schema ajv refuses): one line each, for a warning. */
  readonly unchecked: readonly string[];
}

/**
 * Build the checks of a document. Throws ArazzoError CHECKS_EXTENSION_INVALID for a malformed
 * `x-arazzo-checks`.
 */
export async function createContractChecks(doc: LoadedDocument, options: ContractCheckOptions = {}): Promise<ContractChecks> {
  const base = applyLevels(uniformLevels(options.base ?? 'error'), options.levels);
  const levels = new StepLevels(doc, base);
  const validators = await loadValidators();
  const contracts = new Map<OperationInfo, OperationContract>();
  const unchecked: string[] = [];
  for (const [owner, op] of operationsOf(doc)) {
    if (contracts.has(op)) continue;
    const source = owner.sources.get(op.sourceName);
    const contract = compileOperation(op, source?.kind === 'openapi' ? (source as OpenApiSource) : undefined, validators);
    contracts.set(op, contract);
    for (const line of contract.unchecked) if (!unchecked.includes(line)) unchecked.push(line);
  }
  // What each step checks, resolved on its first request and kept by its CheckedStep (the engine
  // hands the same object for every request of a step), not looked up per request and response.
  const resolved = new WeakMap<CheckedStep, StepContract | null>();
  const contractOf = (step: CheckedStep): StepContract | undefined => {
    let hit = resolved.get(step);
    if (hit === undefined) {
      const contract = contracts.get(step.operation);
      hit = contract ? stepContract(contract, levels.of(step.document, step.workflowId, step.stepId)) : null;
      resolved.set(step, hit);
    }
    return hit ?? undefined;
  };
  const requestOn = levels.anyOn('request');

  return {
    unchecked,
    ...(requestOn
      ? {
          request(step: CheckedStep, request: HttpRequest, view?: MessageView): readonly CheckFinding[] | undefined {
            const c = contractOf(step);
            if (c === undefined || c.request === 'off') return undefined;
            // An operation that declares no parameters and no body has nothing to check in a request without one.
            if (c.declaresNothing && request.body === undefined) return undefined;
            return checkRequest(c.contract, step, c.request, request, view, c.memo);
          },
        }
      : {}),
    response(step: CheckedStep, request: HttpRequest, response: HttpResponse, view?: MessageView): readonly CheckFinding[] | undefined {
      const c = contractOf(step);
      if (c === undefined || c.allOff) return undefined;
      return checkResponse(c.contract, step, c.levels, request.method, response, view);
    },
  };
}

/** A step's contract with its levels, as its checks use them. */
interface StepContract {
  readonly contract: OperationContract;
  readonly levels: CheckLevels;
  readonly request: CheckLevel;
  /** Every response check is off. */
  readonly allOff: boolean;
  /** The operation declares no parameters and no request body. */
  readonly declaresNothing: boolean;
  /** What the step's request checks remember between its requests. */
  readonly memo: RequestMemo;
}

function stepContract(contract: OperationContract, levels: CheckLevels): StepContract {
  return {
    contract,
    levels,
    request: levels.request,
    allOff: levels.status === 'off' && levels['content-type'] === 'off' && levels.schema === 'off' && levels.headers === 'off',
    declaresNothing: contract.request.parameters.length === 0 && contract.request.body === undefined,
    memo: {},
  };
}

/** Every (document, operation) a step of the document or of its Arazzo sources calls. */
function operationsOf(root: LoadedDocument): Array<readonly [LoadedDocument, OperationInfo]> {
  const out: Array<readonly [LoadedDocument, OperationInfo]> = [];
  const seen = new Set<LoadedDocument>();
  const pending: LoadedDocument[] = [root];
  while (pending.length > 0) {
    const doc = pending.pop() as LoadedDocument;
    if (seen.has(doc)) continue;
    seen.add(doc);
    for (const workflowId of doc.workflows.keys()) {
      for (const step of workflowPlan(doc, workflowId)?.steps ?? []) if (step.operation) out.push([doc, step.operation]);
    }
    for (const src of doc.sources.values()) if (src.kind === 'arazzo') pending.push(src.document);
  }
  return out;
}
