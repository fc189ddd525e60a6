/**
 * `arazzo run <file>`: load, pick the workflow, gather and coerce inputs, run with progress on
 * stderr, then the summary (or the `--json` report on stdout) and the exit code.
 */
import { writeFile } from 'node:fs/promises';
import type { LoadedDocument } from '../compile/loaded.js';
import type { RequestSummary, RunEvent, RunLimits, RunOptions, RunResult } from '../engine/types.js';
import { ArazzoError, DocumentError, formatProblem } from '../errors.js';
import { splitAssignment } from './args.js';
import { describeInputs, loadOptionsFromFlags, selectWorkflow } from './document.js';
import { systemClock } from '../engine/clock.js';
import { CliError, EXIT_SUCCEEDED, EXIT_USAGE, exitCodeFor } from './errors.js';
import { cliMessage, createStyle, wantsColor } from './format.js';
import { HarRecorder } from './har.js';
import { gatherInputs, missingInputs } from './inputs.js';
import { packageVersion, type CliIo, type InterruptSignal } from './io.js';
import { stringifyJson } from '../util/json.js';
import { loadLibrary } from './library.js';
import { createMasker, maskValue, type MaskFn as Masker } from '../engine/mask.js';
import { ProgressRenderer, renderSummary } from './progress.js';
import { ReportBuilder, usageError } from './report.js';
import { type SecurityFlags, type SecurityOptions, securityOptions } from './security-flags.js';
import { withFile } from './validate.js';
import { parseCheckFlags } from './check-flags.js';
import { didYouMean } from '../util/suggest.js';
import { truncateForMessage } from '../util/truncate.js';

export interface RunFlags extends SecurityFlags {
  workflow?: string;
  input?: string[];
  'input-env'?: string[];
  inputs?: string;
  server?: string[];
  'max-steps'?: string;
  timeout?: string;
  json?: boolean;
  trace?: string;
  'dry-run'?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  check?: string[];
}

export async function runCommand(file: string, values: Record<string, unknown>, io: CliIo): Promise<number> {
  const flags = values as RunFlags;
  const json = flags.json === true;
  if (flags.verbose && flags.quiet) throw new CliError('CLI_USAGE', 'Choose one of --verbose and --quiet.');
  const limits = parseLimits(flags);
  const checkLevels = flags.check && flags.check.length > 0 ? parseCheckFlags(flags.check) : undefined;

  const { loadArazzo, runWorkflow, prepareFirstRequest } = await loadLibrary();
  let doc: LoadedDocument;
  try {
    doc = await loadArazzo(file, loadOptionsFromFlags(values));
  } catch (err) {
    if (err instanceof DocumentError) {
      const errors = err.problems.filter((p) => p.severity === 'error');
      for (const p of errors) io.stderr.write(`${formatProblem(withFile(p, file))}\n`);
      const shown = new CliError(
        'DOCUMENT_INVALID',
        `${file} has ${errors.length} problem${errors.length === 1 ? '' : 's'}; nothing was run. See above, or run "arazzo validate ${file}".`,
        {
          problems: errors,
        },
        { cause: err },
      );
      return usageError(io, shown, json, flags.workflow ?? null);
    }
    throw err;
  }

  const workflow = selectWorkflow(doc.document, flags.workflow, file);
  const workflowId = workflow.workflowId;
  const servers = parseServers(flags.server ?? [], doc);
  let security: SecurityOptions;
  try {
    security = securityOptions(flags, doc, io.env);
  } catch (err) {
    if (err instanceof ArazzoError) return usageError(io, err, json, workflowId);
    throw err;
  }
  const shape = describeInputs(doc.document, workflow);
  let gathered: Awaited<ReturnType<typeof gatherInputs>>;
  try {
    gathered = await gatherInputs(
      {
        ...(flags.inputs !== undefined ? { inputsFile: flags.inputs } : {}),
        input: flags.input ?? [],
        inputEnv: flags['input-env'] ?? [],
        env: io.env,
        readStdin: io.readStdin,
      },
      shape,
    );
  } catch (err) {
    if (err instanceof ArazzoError) return usageError(io, err, json, workflowId);
    throw err;
  }
  const secrets = [...gathered.secrets, ...security.secrets];
  const mask = createMasker(secrets);
  for (const warning of security.warnings) io.stderr.write(`${warning}\n`);
  const missing = missingInputs(shape, gathered.inputs, workflowId);
  if (missing) return usageError(io, missing, json, workflowId, mask);
  // --check: the contract checks, off unless named here (arazzo test has them all on).
  let checks: RunOptions['checks'];
  if (checkLevels) {
    const { createContractChecks } = await import('../contract/checker.js');
    const contract = await createContractChecks(doc, { base: 'off', levels: checkLevels });
    for (const line of contract.unchecked) io.stderr.write(mask(`warning: ${line}\n`));
    checks = contract;
  }

  // ---- wiring: progress on stderr, report and trace from the same event stream
  const color = wantsColor(io.stderr.isTTY === true, io.env);
  const progress = new ProgressRenderer({
    tty: io.stderr.isTTY === true,
    color,
    verbose: flags.verbose === true,
    quiet: flags.quiet === true,
    columns: () => io.stderr.columns,
  });
  const report = new ReportBuilder();
  // Ctrl-C, SIGTERM or SIGHUP: which one stopped the run decides the exit code and the wording.
  let stoppedBy: InterruptSignal | undefined;
  const har = flags.trace !== undefined ? new HarRecorder(packageVersion(), (message) => cliMessage(message, stoppedBy)) : undefined;
  const writeErr = (text: string) => {
    if (text !== '') io.stderr.write(mask(text));
  };
  const onEvent = (event: RunEvent) => {
    report.onEvent(event);
    har?.onEvent(event);
    if (!flags['dry-run']) writeErr(progress.onEvent(event));
  };

  const controller = new AbortController();
  let interrupts = 0;
  const removeInterrupt = io.onInterrupt((signal) => {
    interrupts++;
    if (interrupts === 1) {
      stoppedBy = signal;
      writeErr(progress.flush());
      writeErr(
        signal === 'SIGINT'
          ? '\nCancelling… (press Ctrl-C again to quit at once)\n'
          : `\nStopping (${signal}): cancelling the request in flight, then writing the summary, report and trace…\n`,
      );
      controller.abort(new ArazzoError('RUN_CANCELLED', `The run was cancelled (${signal === 'SIGINT' ? 'Ctrl-C' : signal}).`));
    } else {
      process.exit(exitCodeFor({ code: 'RUN_CANCELLED' }, { signal }));
    }
  });

  const options: RunOptions = {
    signal: controller.signal,
    onEvent,
    ...(io.clock ? { clock: io.clock } : {}),
    secrets,
    ...(checks ? { checks } : {}),
    ...(Object.keys(servers).length > 0 ? { servers } : {}),
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
    ...(security.auth ? { auth: security.auth } : {}),
    ...(security.tls ? { tls: security.tls } : {}),
  };

  const out: FinishOptions = { json, quiet: flags.quiet === true, color, report, mask, har, trace: flags.trace, stoppedBy: () => stoppedBy };
  const clock = io.clock ?? systemClock;
  const startedAt = clock.now();
  // A dry run steps the run until its first request and stops there: that request (masked) is
  // printed instead of sent, and the trace holds it as a request not sent.
  let result: RunResult;
  try {
    if (flags['dry-run']) {
      const first = await prepareFirstRequest(doc, workflowId, gathered.inputs, options);
      if ('request' in first) {
        removeInterrupt();
        har?.notSent(first.request, clock.now(), first.workflowId, first.stepId);
        await writeTrace(har, flags.trace, mask, io);
        return printDryRun(io, first.request, { ...out, dryRun: { request: first.request } }, { workflowId, durationMs: clock.now() - startedAt });
      }
      result = first.result;
    } else result = await runWorkflow(doc, workflowId, gathered.inputs, options);
  } catch (err) {
    removeInterrupt();
    writeErr(progress.flush());
    const error =
      err instanceof ArazzoError ? err : new ArazzoError('INTERNAL_ERROR', err instanceof Error ? err.message : String(err), undefined, { cause: err });
    if (error.code === 'RUN_CANCELLED') {
      return finish(
        io,
        {
          workflowId,
          status: 'failed',
          outputs: {},
          error: { code: error.code, message: error.message },
          stepExecutions: report.steps.length,
          durationMs: clock.now() - startedAt,
        },
        { ...out, cancelled: true },
        exitCodeFor(error, stoppedBy ? { signal: stoppedBy } : {}),
      );
    }
    if (exitCodeFor(error) === EXIT_USAGE) return usageError(io, error, json, workflowId, mask);
    const info = { ...(error.details ?? {}), code: error.code, message: error.message } as RunResult['error'] & object;
    const durationMs = clock.now() - startedAt;
    return finish(io, { workflowId, status: 'failed', outputs: {}, error: info, stepExecutions: report.steps.length, durationMs }, out, exitCodeFor(error));
  }
  removeInterrupt();
  writeErr(progress.flush());

  if (flags['dry-run']) {
    if (result.error && exitCodeFor(result.error) === EXIT_USAGE) {
      return usageError(io, new CliError(result.error.code, result.error.message), json, workflowId, mask);
    }
    io.stderr.write(mask(`Dry run: the workflow ended before sending any request.\n`));
    return finish(io, result, { ...out, dryRun: {} }, exitCodeFor(result.error));
  }

  const cancelled = controller.signal.aborted || result.error?.code === 'RUN_CANCELLED';
  // A step may recover from a failed check (onFailure goto), but the check still failed.
  const checksFailed = result.checks?.some((c) => c.level === 'error') === true;
  const exitCode = exitCodeFor(result.status === 'succeeded' ? undefined : (result.error ?? {}), {
    requestsSent: report.steps.length > 0,
    checksFailed,
    ...(cancelled ? { signal: stoppedBy ?? 'SIGINT' } : {}),
  });
  if (exitCode === EXIT_USAGE && result.error) {
    return usageError(io, new CliError(result.error.code, result.error.message, { ...result.error }), json, workflowId, mask);
  }
  return finish(io, result, { ...out, cancelled }, exitCode);
}

interface FinishOptions {
  json: boolean;
  quiet: boolean;
  color: boolean;
  report: ReportBuilder;
  mask: Masker;
  /** The --trace recorder and file; no trace is written without both. */
  har: HarRecorder | undefined;
  trace: string | undefined;
  cancelled?: boolean;
  /** `--dry-run`: the report says so (status `dry-run` unless the dry run failed), with the request built. */
  dryRun?: { request?: RequestSummary };
  /** The signal that stopped the run, if one did. */
  stoppedBy: () => InterruptSignal | undefined;
}

async function finish(
  io: CliIo,
  result: Pick<RunResult, 'workflowId' | 'status' | 'outputs' | 'error' | 'stepExecutions' | 'durationMs' | 'checks'>,
  o: FinishOptions,
  exitCode: number,
): Promise<number> {
  await writeTrace(o.har, o.trace, o.mask, io);
  const stoppedBy = o.stoppedBy();
  // The outputs are what the user asked for: in clear in the --json report. The summary on stderr
  // (a log, often kept by CI) shows them as the events do, secrets masked.
  const outputs = result.outputs ?? {};
  const shown = maskValue(o.report.maskedOutputs ?? outputs, o.mask);
  const masked = !o.json && Object.keys(outputs).length > 0 && stringifyJson(shown) !== stringifyJson(outputs);
  const summary = renderSummary(
    { ...result, outputs: shown },
    {
      color: o.color,
      quiet: o.quiet,
      ...(o.cancelled ? { cancelled: true } : {}),
      ...(stoppedBy ? { stoppedBy } : {}),
      ...(masked ? { maskedOutputs: true } : {}),
    },
  );
  io.stderr.write(o.mask(summary));
  if (o.json) {
    const report = maskValue(o.report.build(result, stoppedBy, o.dryRun), o.mask);
    report.outputs = outputs;
    io.stdout.write(`${stringifyJson(report)}\n`);
  }
  return exitCode;
}

async function writeTrace(har: HarRecorder | undefined, trace: string | undefined, mask: Masker, io: CliIo): Promise<void> {
  if (!har || trace === undefined) return;
  try {
    await writeFile(trace, `${stringifyJson(maskValue(har.toHar(), mask), 2)}\n`);
  } catch (err) {
    io.stderr.write(mask(`warning: could not write the trace to ${trace}: ${(err as Error).message}\n`));
  }
}

export function parseLimits(flags: RunFlags): RunLimits {
  const limits: { maxSteps?: number; timeoutMs?: number } = {};
  if (flags['max-steps'] !== undefined) {
    const n = Number(flags['max-steps']);
    if (!/^\d+$/.test(flags['max-steps']) || !Number.isSafeInteger(n) || n < 1) {
      throw new CliError('CLI_USAGE', `--max-steps must be a whole number of at least 1, not "${flags['max-steps']}".`, { flag: '--max-steps' });
    }
    limits.maxSteps = n;
  }
  if (flags.timeout !== undefined) {
    const s = Number(flags.timeout);
    if (flags.timeout.trim() === '' || !Number.isFinite(s) || s <= 0) {
      throw new CliError('CLI_USAGE', `--timeout is in seconds and must be a positive number, not "${flags.timeout}".`, { flag: '--timeout' });
    }
    limits.timeoutMs = Math.round(s * 1000);
  }
  return limits;
}

export function parseServers(items: readonly string[], doc: LoadedDocument): Record<string, string> {
  return parseServerFlags(items, sourceNamesOf(doc));
}

/** The names `--server` may use: the document's source descriptions. */
export function sourceNamesOf(doc: LoadedDocument): string[] {
  return doc.sources.size > 0 ? [...doc.sources.keys()] : (doc.document.sourceDescriptions ?? []).map((s) => s.name);
}

/** `--server source=url` flags, checked against the source names that may be used. */
export function parseServerFlags(items: readonly string[], names: readonly string[]): Record<string, string> {
  const servers: Record<string, string> = {};
  for (const item of items) {
    if (item.indexOf('=') <= 0) {
      throw new CliError(
        'CLI_USAGE',
        `--server expects sourceName=baseUrl, e.g. --server ${names[0] ?? 'api'}=http://127.0.0.1:8080 (sources: ${names.join(', ') || 'none'}).`,
        { flag: '--server' },
      );
    }
    const [name, url] = splitAssignment(item, '--server', 'sourceName=baseUrl');
    if (!names.includes(name)) {
      throw new CliError(
        'SERVER_UNKNOWN_SOURCE',
        `--server ${name}=…: the document has no source description named "${name}".${didYouMean(name, names)} Sources: ${names.join(', ')}.`,
        {
          source: name,
          sources: names,
        },
      );
    }
    let parsed: URL;
    try {
      if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw new Error('not absolute');
      parsed = new URL(url);
    } catch {
      const example = url === '' ? 'http://127.0.0.1:8080' : `http://${url.replace(/^[/:]+/, '')}`;
      throw new CliError('CLI_USAGE', `--server ${name}=${url}: the base URL must be absolute, with http:// or https://, e.g. --server ${name}=${example}.`, {
        source: name,
      });
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new CliError('CLI_USAGE', `--server ${name}=…: only http and https URLs are supported, not ${parsed.protocol}.`, { source: name });
    }
    servers[name] = url;
  }
  return servers;
}

/** A dry run that built its first request: the request (or the `--json` report with it) on stdout. */
function printDryRun(io: CliIo, request: RequestSummary, o: FinishOptions, run: { workflowId: string; durationMs: number }): number {
  const { mask } = o;
  const s = createStyle(o.color);
  if (o.json) {
    const report = o.report.build({ workflowId: run.workflowId, status: 'succeeded', outputs: {}, durationMs: run.durationMs }, undefined, o.dryRun);
    io.stdout.write(`${stringifyJson(maskValue(report, mask))}\n`);
  } else {
    // A URL or header of many KB (a long query input) is cut with the mark, as the progress lines
    // cut them; masked first, so no cut can split a secret. --json keeps them whole.
    const cut = (text: string): string => truncateForMessage(mask(text));
    const lines = [`${request.method} ${cut(request.url)}`, ...Object.entries(request.headers).map(([k, v]) => `${k}: ${cut(v)}`)];
    if (request.body !== undefined && request.body !== '') lines.push('', prettyBody(request.body));
    io.stdout.write(mask(`${lines.join('\n')}\n`));
  }
  io.stderr.write(mask(`${s.green('✔')} dry run: inputs are valid; the request above was not sent.\n`));
  return EXIT_SUCCEEDED;
}

function prettyBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}
