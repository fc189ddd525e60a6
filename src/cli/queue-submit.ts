/**
 * `arazzo submit <file>`: load and validate the document as `run` does, gather the inputs (secret
 * ones as references the worker resolves: `--input-env hfToken=HF_TOKEN` becomes `env:HF_TOKEN`),
 * queue the run and print its id. With `--wait`, follow the run's events with the same progress,
 * summary, `--json` report and exit code as `arazzo run`.
 */
import type { PreparedDocument } from '../queue/bundle.js';
import type { ArazzoQueue } from '../queue/client.js';
import type { QueueRunResult } from '../queue/types.js';
import { DocumentError, formatProblem } from '../errors.js';
import { splitAssignment } from './args.js';
import { describeInputs, readOptionsFromFlags, selectWorkflow } from './document.js';
import { CliError, EXIT_SUCCEEDED, EXIT_USAGE, exitCodeFor } from './errors.js';
import { wantsColor } from './format.js';
import { gatherInputs, missingInputs } from './inputs.js';
import type { CliIo, InterruptSignal } from './io.js';
import { stringifyJson } from '../util/json.js';
import { ProgressRenderer, renderSummary } from './progress.js';
import { type QueueFlags, queueTarget } from './queue-options.js';
import { ReportBuilder, usageError } from './report.js';
import { parseLimits, parseServers, type RunFlags } from './run.js';
import { withFile } from './validate.js';
import { didYouMean } from '../util/suggest.js';

interface SubmitFlags extends RunFlags, QueueFlags {
  'run-id'?: string;
  wait?: boolean;
}

export async function submitCommand(file: string, values: Record<string, unknown>, io: CliIo): Promise<number> {
  const flags = values as SubmitFlags;
  const json = flags.json === true;
  if (flags.verbose && flags.quiet) throw new CliError('CLI_USAGE', 'Choose one of --verbose and --quiet.');
  const limits = parseLimits(flags);
  let prepared: PreparedDocument;
  try {
    // Loaded (and checked) here; stored in Redis only once the inputs are right too.
    const { prepareDocument } = await import('../queue/bundle.js');
    prepared = await prepareDocument(file, readOptionsFromFlags(values));
  } catch (err) {
    if (!(err instanceof DocumentError)) throw err;
    const errors = err.problems.filter((p) => p.severity === 'error');
    for (const p of errors) io.stderr.write(`${formatProblem(withFile(p, file))}\n`);
    const shown = new CliError(
      'DOCUMENT_INVALID',
      `${file} has ${errors.length} problem${errors.length === 1 ? '' : 's'}; nothing was queued. See above, or run "arazzo validate ${file}".`,
      { problems: errors },
      { cause: err },
    );
    return usageError(io, shown, json, flags.workflow ?? null);
  }
  const workflow = selectWorkflow(prepared.doc.document, flags.workflow, file);
  const workflowId = workflow.workflowId;
  const servers = parseServers(flags.server ?? [], prepared.doc);
  const shape = describeInputs(prepared.doc.document, workflow);
  const gathered = await gatherInputs(
    {
      ...(flags.inputs !== undefined ? { inputsFile: flags.inputs } : {}),
      input: flags.input ?? [],
      inputEnv: [],
      env: io.env,
      readStdin: io.readStdin,
    },
    shape,
  );
  const secrets = secretReferences(flags['input-env'] ?? [], shape, gathered.inputs);
  const missing = missingInputs(shape, { ...gathered.inputs, ...secrets }, workflowId);
  if (missing) return usageError(io, missing, json, workflowId);
  // Input mistakes (a secret given as a value) are reported before Redis is asked for.
  const { checkInputs, createArazzoQueue } = await import('../queue/client.js');
  checkInputs(prepared, workflowId, gathered.inputs, secrets);
  const queue = createArazzoQueue({ ...queueTarget(flags, io.env), load: readOptionsFromFlags(values) });
  try {
    const runId = await queue.submit(prepared, workflowId, gathered.inputs, {
      ...(flags['run-id'] !== undefined ? { runId: flags['run-id'] } : {}),
      ...(Object.keys(secrets).length > 0 ? { secrets } : {}),
      ...(Object.keys(servers).length > 0 ? { servers } : {}),
      ...(Object.keys(limits).length > 0 ? { limits } : {}),
    });
    if (!flags.wait) {
      io.stdout.write(json ? `${stringifyJson({ runId, workflowId })}\n` : `${runId}\n`);
      if (!flags.quiet) io.stderr.write(`queued ${workflowId} as run ${runId}; follow it with: arazzo status ${runId}\n`);
      return EXIT_SUCCEEDED;
    }
    return await follow(queue, runId, workflowId, flags, io);
  } finally {
    await queue.close();
  }
}

/** `--input-env name=VAR` as references `env:VAR`, for inputs the workflow declares (or accepts). */
function secretReferences(items: readonly string[], shape: ReturnType<typeof describeInputs>, inputs: Record<string, unknown>): Record<string, string> {
  const names = shape.inputs.map((i) => i.name);
  const out: Record<string, string> = {};
  for (const item of items) {
    const [name, variable] = splitAssignment(item, '--input-env', 'name=ENV_VAR');
    if (!names.includes(name) && !shape.acceptsOthers) {
      throw new CliError('INPUT_UNKNOWN', `Unknown input "${name.slice(0, 80)}" (--input-env).${didYouMean(name, names)} Inputs: ${names.join(', ')}.`, {
        input: name.slice(0, 80),
      });
    }
    if (out[name] !== undefined || inputs[name] !== undefined) {
      throw new CliError('CLI_USAGE', `Input "${name.slice(0, 80)}" was given more than once (--input-env); give it once.`, { input: name.slice(0, 80) });
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
      throw new CliError('CLI_USAGE', `--input-env ${name}=${variable.slice(0, 80)}: "${variable.slice(0, 80)}" is not an environment variable name.`, {
        input: name,
      });
    }
    out[name] = `env:${variable}`;
  }
  return out;
}

/** `--wait`: the run's progress, summary, report and exit code, as `arazzo run` shows them. */
async function follow(queue: ArazzoQueue, runId: string, workflowId: string, flags: SubmitFlags, io: CliIo): Promise<number> {
  const json = flags.json === true;
  const quiet = flags.quiet === true;
  const color = wantsColor(io.stderr.isTTY === true, io.env);
  const progress = new ProgressRenderer({ tty: io.stderr.isTTY === true, color, verbose: flags.verbose === true, quiet, columns: () => io.stderr.columns });
  const report = new ReportBuilder();
  const writeErr = (text: string): void => {
    if (text !== '') io.stderr.write(text);
  };
  if (!quiet) io.stderr.write(`queued ${workflowId} as run ${runId}; waiting for a worker (Ctrl-C stops waiting, not the run)\n`);
  const controller = new AbortController();
  let stoppedBy: InterruptSignal | undefined;
  const remove = io.onInterrupt((signal) => {
    if (stoppedBy) process.exit(exitCodeFor({ code: 'RUN_CANCELLED' }, { signal }));
    stoppedBy = signal;
    controller.abort();
  });
  try {
    for await (const event of queue.events(runId, { signal: controller.signal })) {
      report.onEvent(event);
      writeErr(progress.onEvent(event));
    }
  } finally {
    remove();
  }
  writeErr(progress.flush());
  if (stoppedBy) {
    io.stderr.write(`\nStopped waiting (${stoppedBy}). Run ${runId} goes on in the queue: arazzo status ${runId}; stop it with arazzo cancel ${runId}.\n`);
    return exitCodeFor({ code: 'RUN_CANCELLED' }, { signal: stoppedBy });
  }
  const result = (await queue.result(runId, { wait: true, timeoutMs: 30_000 })) as QueueRunResult;
  const requestsSent = report.steps.length > 0 || result.stepExecutions > 0;
  const exitCode = exitCodeFor(result.status === 'succeeded' ? undefined : (result.error ?? {}), { requestsSent });
  if (exitCode === EXIT_USAGE && result.error)
    return usageError(io, new CliError(result.error.code, result.error.message, { ...result.error }), json, workflowId);
  io.stderr.write(renderSummary(result, { color, quiet }));
  if (json) io.stdout.write(`${stringifyJson({ runId, ...report.build(result) })}\n`);
  return exitCode;
}
