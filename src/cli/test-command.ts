/**
 * `arazzo test <file|dir|glob>...`: run every workflow of every document as a test, with the
 * contract checks on, and report in the formats CI reads.
 *
 * Everything that can be wrong with the invocation is found before the first request: the flags,
 * every document (loaded and validated), `x-arazzo-checks`, `--server` and `--workflow` names, and
 * every input (coerced and validated against its workflow's schema). Any of these is exit 2 and
 * nothing is sent. Then the workflows run in `dependsOn` order, `--parallel` at a time; a workflow
 * whose required inputs are missing is skipped, never half-run, and so is one that depends on a
 * workflow that failed or was skipped.
 */
import { writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { createContractChecks, type ContractChecks } from '../contract/checker.js';
import { prepareInputValidation } from '../compile/inputs.js';
import { type LoadedDocument, workflowPlan } from '../compile/loaded.js';
import type { Workflow } from '../document/types.js';
import { createMasker, type MaskFn } from '../engine/mask.js';
import type { RunErrorInfo, RunOptions, RunResult } from '../engine/types.js';
import { ArazzoError } from '../errors.js';
import { didYouMean } from '../util/suggest.js';
import { splitAssignment } from './args.js';
import { parseCheckFlags } from './check-flags.js';
import { describeInputs, loadOptionsFromFlags } from './document.js';
import { CliError, exitCodeFor } from './errors.js';
import { wantsColor } from './format.js';
import { gatherInputs, inputFlag, missingInputs } from './inputs.js';
import type { CliIo, InterruptSignal } from './io.js';
import { loadLibrary } from './library.js';
import { ReportBuilder } from './report.js';
import { parseLimits, parseServerFlags, sourceNamesOf } from './run.js';
import { type SecurityFlags, securityOptions } from './security-flags.js';
import { findTestFiles } from './test-files.js';
import { renderJunit } from './test-junit.js';
import { PrettyReporter } from './test-pretty.js';
import { type FileResult, renderJson, type SkipReason, statusOf, summarize, type TestReport, type WorkflowResult } from './test-report.js';
import { loadOrExplain } from './validate.js';

export interface TestFlags extends SecurityFlags {
  workflow?: string[];
  input?: string[];
  'input-env'?: string[];
  inputs?: string;
  server?: string[];
  reporter?: string[];
  output?: string[];
  check?: string[];
  bail?: boolean;
  parallel?: string;
  timeout?: string;
}

export const REPORTERS = ['pretty', 'json', 'junit'] as const;
export type ReporterName = (typeof REPORTERS)[number];

/** Where each reporter writes: a file, or its stream (pretty: stderr; json, junit: stdout). */
export interface ReporterTarget {
  readonly name: ReporterName;
  readonly file?: string;
}

/** One workflow to test. */
interface TestCase {
  readonly file: string;
  readonly doc: LoadedDocument;
  readonly checks: ContractChecks;
  readonly workflowId: string;
  readonly servers: Record<string, string>;
  readonly inputs: Record<string, unknown>;
  /** Required inputs not given: the workflow is skipped. */
  readonly missing?: SkipReason;
  /** Selected workflows of the same file it depends on (transitively): they run first. */
  deps: TestCase[];
}

export async function testCommand(paths: readonly string[], values: Record<string, unknown>, io: CliIo): Promise<number> {
  const flags = values as TestFlags;
  const levels = parseCheckFlags(flags.check ?? []);
  const targets = parseReporters(flags.reporter ?? [], flags.output ?? []);
  const parallel = parseParallel(flags.parallel);
  const limits = parseLimits({ ...(flags.timeout !== undefined ? { timeout: flags.timeout } : {}) });
  for (const item of [...(flags.input ?? []), ...(flags['input-env'] ?? [])]) splitAssignment(item, '--input', 'name=value');

  const files = await findTestFiles(paths);
  const { loadArazzo, runWorkflow } = await loadLibrary();
  const docs: Array<{ file: string; doc: LoadedDocument; checks: ContractChecks }> = [];
  for (const file of files) {
    const doc = await loadOrExplain((f) => loadArazzo(f, loadOptionsFromFlags(values)), file, io, 'nothing was run');
    docs.push({ file, doc, checks: await createContractChecks(doc, { levels }) });
  }

  // Credentials and TLS for every document: one auth object, so an OAuth2 token is fetched once for all the runs.
  const security = securityOptions(
    flags,
    docs.map((d) => d.doc),
    io.env,
  );
  const cases = await planCases(docs, flags, io);
  const secrets = [...cases.flatMap((c) => c.secrets), ...security.secrets];
  const mask: MaskFn = createMasker(secrets);
  for (const warning of security.warnings) io.stderr.write(`${warning}\n`);
  for (const { file, checks } of docs) for (const line of checks.unchecked) io.stderr.write(mask(`warning: ${file}: ${line}\n`));

  // ---- reporters
  const color = wantsColor(io.stderr.isTTY === true, io.env);
  const pretty = new PrettyReporter({ color: color && !targets.find((t) => t.name === 'pretty')?.file, showFile: docs.length > 1 });
  const prettyTarget = targets.find((t) => t.name === 'pretty');
  let prettyText = '';
  const onResult = (file: string, w: WorkflowResult): void => {
    if (!prettyTarget) return;
    const text = mask(pretty.workflow(file, w));
    if (prettyTarget.file) prettyText += text;
    else io.stderr.write(text);
  };

  // ---- run
  const controller = new AbortController();
  let stoppedBy: InterruptSignal | undefined;
  const removeInterrupt = io.onInterrupt((signal) => {
    if (stoppedBy) process.exit(exitCodeFor({ code: 'RUN_CANCELLED' }, { signal }));
    stoppedBy = signal;
    io.stderr.write(`\nStopping (${signal === 'SIGINT' ? 'Ctrl-C' : signal}): cancelling the requests in flight, then writing the reports…\n`);
    controller.abort(new ArazzoError('RUN_CANCELLED', `The test run was cancelled (${signal === 'SIGINT' ? 'Ctrl-C' : signal}).`));
  });
  const started = performance.now();
  const results = new Map<TestCase, WorkflowResult>();
  let bailedOn: string | undefined;
  const runCase = async (c: TestCase): Promise<WorkflowResult> => {
    const skip = (reason: SkipReason): WorkflowResult => ({
      workflowId: c.workflowId,
      status: 'skipped',
      durationMs: 0,
      skipped: reason,
      checks: [],
      steps: [],
    });
    if (controller.signal.aborted) return skip({ kind: 'cancelled', message: 'not run: the test run was cancelled' });
    if (c.missing) return skip(c.missing);
    const failedDep = c.deps.find((d) => results.get(d)?.status !== 'passed');
    if (failedDep) {
      const how = results.get(failedDep)?.status === 'skipped' ? 'was skipped' : 'failed';
      return skip({ kind: 'dependency', message: `depends on "${failedDep.workflowId}", which ${how}` });
    }
    if (bailedOn) return skip({ kind: 'bail', message: `not run: --bail after ${bailedOn} failed` });
    const steps = new ReportBuilder();
    const options: RunOptions = {
      checks: c.checks,
      signal: controller.signal,
      secrets,
      onEvent: (e) => steps.onEvent(e),
      ...(Object.keys(c.servers).length > 0 ? { servers: c.servers } : {}),
      ...(limits.timeoutMs !== undefined ? { limits } : {}),
      ...(security.auth ? { auth: security.auth } : {}),
      ...(security.tls ? { tls: security.tls } : {}),
    };
    let result: Pick<RunResult, 'status' | 'error' | 'checks' | 'durationMs'>;
    try {
      result = await runWorkflow(c.doc, c.workflowId, c.inputs, options);
    } catch (err) {
      const error: RunErrorInfo =
        err instanceof ArazzoError
          ? { code: err.code, message: err.message }
          : { code: 'INTERNAL_ERROR', message: `Internal error: ${(err as Error)?.message ?? err}` };
      result = { status: 'failed', error, durationMs: 0 };
    }
    const checks = result.checks ?? [];
    const status = statusOf(result.status === 'succeeded', checks);
    return {
      workflowId: c.workflowId,
      status,
      durationMs: result.durationMs,
      ...(result.status === 'failed' && result.error ? { error: result.error } : {}),
      checks,
      steps: steps.steps,
    };
  };
  try {
    await schedule(cases, parallel, async (c) => {
      const r = await runCase(c);
      results.set(c, r);
      if (r.status === 'failed' && flags.bail && !bailedOn) bailedOn = docs.length > 1 ? `${c.file} › ${c.workflowId}` : c.workflowId;
      onResult(c.file, r);
    });
  } finally {
    removeInterrupt();
  }

  // ---- report
  const fileResults: FileResult[] = docs.map(({ file, checks }) => ({
    file,
    workflows: cases.filter((c) => c.file === file).map((c) => results.get(c) as WorkflowResult),
    unchecked: checks.unchecked,
  }));
  const report: TestReport = { files: fileResults, summary: summarize(fileResults, performance.now() - started) };
  for (const t of targets) {
    const text = mask(t.name === 'pretty' ? prettyText + pretty.summary(report) : t.name === 'json' ? renderJson(report) : renderJunit(report));
    if (t.file) {
      try {
        await writeFile(t.file, text);
      } catch (err) {
        throw new CliError(
          'FILE_UNREADABLE',
          `Could not write the ${t.name} report to ${t.file}: ${(err as Error).message}.`,
          { file: t.file },
          { cause: err },
        );
      }
    } else (t.name === 'pretty' ? io.stderr : io.stdout).write(text);
  }
  if (stoppedBy) return exitCodeFor({ code: 'RUN_CANCELLED' }, { signal: stoppedBy });
  return exitCodeFor(undefined, { checksFailed: report.summary.workflows.failed > 0 });
}

// ------------------------------------------------------------------ planning

type PlannedCase = TestCase & { readonly secrets: readonly string[] };

/** The workflows to test, in run order, with their inputs; CliError (exit 2) for a name that matches nothing or inputs that are invalid. */
async function planCases(
  docs: ReadonlyArray<{ file: string; doc: LoadedDocument; checks: ContractChecks }>,
  flags: TestFlags,
  io: CliIo,
): Promise<PlannedCase[]> {
  const allIds = docs.flatMap(({ doc }) => doc.document.workflows.map((w) => w.workflowId));
  for (const id of flags.workflow ?? []) {
    if (!allIds.includes(id)) {
      throw new CliError(
        'WORKFLOW_NOT_FOUND',
        `No workflow "${id}" in ${docs.map((d) => d.file).join(', ')}.${didYouMean(id, allIds)} Workflows: ${allIds.join(', ')}.`,
        {
          workflowId: id,
          workflows: allIds,
        },
      );
    }
  }
  const sourceNames = [...new Set(docs.flatMap(({ doc }) => sourceNamesOf(doc)))];
  const servers = parseServerFlags(flags.server ?? [], sourceNames);

  // Input names must be declared by some selected workflow (a typo is an error, not a skip).
  const selected = docs.flatMap(({ doc }) =>
    doc.document.workflows.filter((w) => !flags.workflow || flags.workflow.includes(w.workflowId)).map((w) => ({ doc, w })),
  );
  const declared = new Set(selected.flatMap(({ doc, w }) => describeInputs(doc.document, w).inputs.map((i) => i.name)));
  for (const item of [...(flags.input ?? []), ...(flags['input-env'] ?? [])]) {
    const name = item.slice(0, item.indexOf('='));
    if (!declared.has(name)) {
      const names = [...declared];
      throw new CliError(
        'INPUT_UNKNOWN',
        `No workflow under test declares the input "${name}".${didYouMean(name, names)}${names.length > 0 ? ` Inputs: ${names.join(', ')}.` : ''}`,
        { input: name },
      );
    }
  }

  let stdin: Promise<string> | undefined;
  const readStdin = () => (stdin ??= io.readStdin());
  const out: PlannedCase[] = [];
  for (const { file, doc, checks } of docs) {
    const docServers = Object.fromEntries(Object.entries(servers).filter(([name]) => sourceNamesOf(doc).includes(name)));
    const byId = new Map<string, PlannedCase>();
    for (const w of orderByDependsOn(doc).filter((x) => !flags.workflow || flags.workflow.includes(x.workflowId))) {
      const { inputs, secrets, missing } = await inputsOf(doc, w, flags, io, readStdin);
      if (!missing) {
        await prepareInputValidation(doc);
        const check = workflowPlan(doc, w.workflowId)?.validateInputs(inputs);
        if (check && !check.ok) {
          throw new CliError('INPUT_INVALID', `Inputs of workflow "${w.workflowId}" (${file}) are invalid: ${check.errors.join('; ')}. Nothing was sent.`, {
            workflowId: w.workflowId,
            file,
          });
        }
      }
      const c: PlannedCase = { file, doc, checks, workflowId: w.workflowId, servers: docServers, inputs, secrets, deps: [], ...(missing ? { missing } : {}) };
      byId.set(w.workflowId, c);
      out.push(c);
    }
    for (const c of byId.values()) c.deps = prerequisitesOf(doc, c.workflowId).flatMap((id) => byId.get(id) ?? []);
  }
  return out;
}

/** A workflow's inputs from the flags: only the names its schema declares; the missing required ones as a skip reason. */
async function inputsOf(
  doc: LoadedDocument,
  w: Workflow,
  flags: TestFlags,
  io: CliIo,
  readStdin: () => Promise<string>,
): Promise<{ inputs: Record<string, unknown>; secrets: string[]; missing?: SkipReason }> {
  const shape = describeInputs(doc.document, w);
  const names = new Set(shape.inputs.map((i) => i.name));
  const mine = (items: readonly string[] | undefined) => (items ?? []).filter((item) => names.has(item.slice(0, item.indexOf('='))));
  const gathered = await gatherInputs(
    {
      ...(flags.inputs !== undefined ? { inputsFile: flags.inputs } : {}),
      input: mine(flags.input),
      inputEnv: mine(flags['input-env']),
      env: io.env,
      readStdin,
    },
    shape,
  );
  const inputs = Object.fromEntries(Object.entries(gathered.inputs).filter(([k]) => names.has(k)));
  const absent = missingInputs(shape, inputs, w.workflowId);
  if (!absent) return { inputs, secrets: gathered.secrets };
  const missing = (absent.details?.missing as string[] | undefined) ?? [];
  const how = shape.inputs.filter((i) => missing.includes(i.name)).map(inputFlag);
  return {
    inputs,
    secrets: gathered.secrets,
    missing: { kind: 'inputs', message: `missing required input${missing.length === 1 ? '' : 's'} ${missing.join(', ')} (add ${how.join(' ')})`, missing },
  };
}

/** The workflows of a document, each after the workflows of the same document it depends on (document order otherwise). */
export function orderByDependsOn(doc: LoadedDocument): Workflow[] {
  const byId = new Map(doc.document.workflows.map((w) => [w.workflowId, w]));
  const out: Workflow[] = [];
  const done = new Set<string>();
  for (const w of doc.document.workflows) {
    // Depth first, with an explicit stack; loading refuses cycles (DEPENDS_ON_CYCLE).
    const stack: Array<{ id: string; deps: string[] }> = [{ id: w.workflowId, deps: localDeps(doc, w.workflowId) }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { id: string; deps: string[] };
      const next = top.deps.shift();
      if (next === undefined) {
        stack.pop();
        if (!done.has(top.id)) {
          done.add(top.id);
          const wf = byId.get(top.id);
          if (wf) out.push(wf);
        }
      } else if (!done.has(next) && !stack.some((s) => s.id === next)) stack.push({ id: next, deps: localDeps(doc, next) });
    }
  }
  return out;
}

function localDeps(doc: LoadedDocument, id: string): string[] {
  return (doc.workflows.get(id)?.dependsOn ?? []).filter((d) => d.source === undefined).map((d) => d.workflowId);
}

/** Every workflow of the same document that `id` depends on, directly or not. */
function prerequisitesOf(doc: LoadedDocument, id: string): string[] {
  const out = new Set<string>();
  const pending = localDeps(doc, id);
  while (pending.length > 0) {
    const d = pending.pop() as string;
    if (out.has(d) || d === id) continue;
    out.add(d);
    pending.push(...localDeps(doc, d));
  }
  return [...out];
}

/**
 * Run `work` for every case, at most `parallel` at a time, each once all its `deps` are done, in
 * list order otherwise. Resolves when all are done.
 */
async function schedule(cases: readonly TestCase[], parallel: number, work: (c: TestCase) => Promise<void>): Promise<void> {
  const state = new Map<TestCase, 'running' | 'done'>();
  let running = 0;
  await new Promise<void>((resolve, reject) => {
    const pump = (): void => {
      for (const c of cases) {
        if (running >= parallel) break;
        if (state.has(c) || !c.deps.every((d) => state.get(d) === 'done')) continue;
        state.set(c, 'running');
        running++;
        work(c).then(() => {
          state.set(c, 'done');
          running--;
          pump();
        }, reject);
      }
      if (running === 0) resolve();
    };
    pump();
  });
}

// ------------------------------------------------------------------ flags

function parseParallel(text: string | undefined): number {
  if (text === undefined) return 1;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
    throw new CliError('CLI_USAGE', `--parallel must be a whole number of at least 1, not "${text}".`, { flag: '--parallel' });
  }
  return n;
}

/**
 * `--reporter` (repeatable; default pretty) and `--output [reporter=]file` (repeatable). An output
 * naming a reporter adds that reporter; a bare file goes to the only reporter chosen. Unrouted,
 * pretty writes to stderr and json / junit to stdout, of which only one may.
 */
export function parseReporters(reporters: readonly string[], outputs: readonly string[]): ReporterTarget[] {
  const names: ReporterName[] = [];
  const check = (name: string, flag: string): ReporterName => {
    if (!(REPORTERS as readonly string[]).includes(name)) {
      throw new CliError('CLI_USAGE', `${flag}: "${name}" is not a reporter (reporters: ${REPORTERS.join(', ')}).${didYouMean(name, [...REPORTERS])}`, {
        flag,
      });
    }
    return name as ReporterName;
  };
  for (const r of reporters) {
    const name = check(r, '--reporter');
    if (!names.includes(name)) names.push(name);
  }
  const files = new Map<ReporterName, string>();
  const bare: string[] = [];
  for (const o of outputs) {
    const eq = o.indexOf('=');
    const prefix = eq > 0 ? o.slice(0, eq) : undefined;
    if (prefix !== undefined && (REPORTERS as readonly string[]).includes(prefix)) {
      const name = prefix as ReporterName;
      if (files.has(name)) throw new CliError('CLI_USAGE', `--output ${name}=… was given more than once; give one file per reporter.`, { flag: '--output' });
      if (o.slice(eq + 1) === '')
        throw new CliError('CLI_USAGE', `--output ${name}= needs a file name, e.g. --output ${name}=report.${ext(name)}.`, { flag: '--output' });
      files.set(name, o.slice(eq + 1));
      if (!names.includes(name)) names.push(name);
    } else bare.push(o);
  }
  if (names.length === 0) names.push('pretty');
  if (bare.length > 0) {
    const free = names.filter((n) => !files.has(n));
    if (bare.length > 1 || free.length !== 1) {
      throw new CliError(
        'CLI_USAGE',
        `--output ${bare[0]}: say which reporter writes to it, e.g. --output junit=${bare[0]} (reporters: ${names.join(', ')}).`,
        { flag: '--output' },
      );
    }
    files.set(free[0] as ReporterName, bare[0] as string);
  }
  const targets = names.map((name): ReporterTarget => (files.has(name) ? { name, file: files.get(name) as string } : { name }));
  const onStdout = targets.filter((t) => !t.file && t.name !== 'pretty');
  if (onStdout.length > 1) {
    throw new CliError(
      'CLI_USAGE',
      `The ${onStdout.map((t) => t.name).join(' and ')} reporters cannot both write to stdout; send one to a file, e.g. --output ${onStdout[1]?.name}=report.${ext(onStdout[1]?.name ?? 'json')}.`,
      { flag: '--reporter' },
    );
  }
  return targets;
}

function ext(name: ReporterName): string {
  return name === 'junit' ? 'xml' : name === 'json' ? 'json' : 'txt';
}
