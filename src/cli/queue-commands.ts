/**
 * `arazzo worker`, `arazzo status <runId>` and `arazzo cancel <runId>`: the queue commands that
 * take no document (`arazzo submit` is in queue-submit.ts).
 */
import type { QueueRunResult, RunStatus } from '../queue/types.js';
import { ArazzoError } from '../errors.js';
import { CliError, EXIT_SUCCEEDED, exitCodeFor } from './errors.js';
import { createStyle, wantsColor } from './format.js';
import type { CliIo } from './io.js';
import { stringifyJson } from '../util/json.js';
import { type QueueFlags, queueTarget, secondsFlag } from './queue-options.js';

interface WorkerFlags extends QueueFlags {
  concurrency?: string;
  'delay-threshold'?: string;
  'stall-timeout'?: string;
  events?: string;
  quiet?: boolean;
}

export async function queueCommand(
  command: 'worker' | 'status' | 'cancel',
  positionals: readonly string[],
  values: Record<string, unknown>,
  io: CliIo,
): Promise<number> {
  if (command === 'worker') {
    if (positionals.length > 0)
      throw new CliError('CLI_USAGE', `"arazzo worker" takes no document or run id (got "${positionals[0]}"): runs bring their documents with them.`);
    return workerCommand(values as WorkerFlags, io);
  }
  if (positionals.length !== 1) {
    throw new CliError('CLI_USAGE', `"arazzo ${command}" needs one run id (the one "arazzo submit" printed). Usage: arazzo ${command} <runId> --redis <url>`);
  }
  const runId = positionals[0] as string;
  const target = queueTarget(values as QueueFlags, io.env);
  const { createArazzoQueue } = await import('../queue/client.js');
  const queue = createArazzoQueue(target);
  try {
    const json = values.json === true;
    const style = createStyle(wantsColor(io.stdout.isTTY === true, io.env));
    if (command === 'status') {
      const status = await queue.status(runId);
      io.stdout.write(json ? `${stringifyJson(status)}\n` : describeStatus(status, style));
      return EXIT_SUCCEEDED;
    }
    const outcome = await queue.cancel(runId);
    let status = await queue.status(runId);
    if (outcome === 'cancelling') {
      // The worker running it stops it at once; show how it ended (bounded).
      await queue.result(runId, { wait: true, timeoutMs: 15_000 }).catch(() => undefined);
      status = await queue.status(runId);
    }
    if (json) io.stdout.write(`${stringifyJson({ outcome, status })}\n`);
    else {
      const said =
        outcome === 'cancelled'
          ? `run ${runId} cancelled (it was ${status.activations > 0 ? 'waiting between steps' : 'queued'}; removed from the queue)\n`
          : outcome === 'finished'
            ? `run ${runId} had already finished (${status.state}); nothing changed\n`
            : status.state === 'cancelled'
              ? `run ${runId} cancelled by its worker${status.result?.error?.stepId ? ` during step ${status.result.error.stepId}` : ''}\n`
              : `run ${runId} is being cancelled: the worker running it stops it at its next step (arazzo status ${runId})\n`;
      io.stderr.write(said);
    }
    return EXIT_SUCCEEDED;
  } finally {
    await queue.close();
  }
}

function describeStatus(s: RunStatus, style: ReturnType<typeof createStyle>): string {
  const time = (ms: number | undefined): string => (ms === undefined ? '—' : new Date(ms).toISOString());
  const head =
    s.state === 'succeeded'
      ? style.green('succeeded')
      : s.state === 'failed' || s.state === 'cancelled'
        ? style.red(s.state)
        : s.state === 'delayed'
          ? `delayed until ${time(s.wakeAt)}`
          : s.state;
  const lines = [`run ${style.bold(s.runId)} (${s.workflowId}): ${head}${s.cancelRequested ? ' (cancel requested)' : ''}`];
  if (s.at) lines.push(`  at step     ${s.at.stepId}${s.at.workflowId !== s.workflowId ? ` of workflow ${s.at.workflowId}` : ''}`);
  lines.push(`  submitted   ${time(s.submittedAt)}`);
  if (s.startedAt !== undefined) lines.push(`  started     ${time(s.startedAt)}`);
  if (s.finishedAt !== undefined) lines.push(`  finished    ${time(s.finishedAt)}`);
  lines.push(
    `  steps       ${s.stepExecutions} step execution${s.stepExecutions === 1 ? '' : 's'}, picked up ${s.activations} time${s.activations === 1 ? '' : 's'} by workers`,
  );
  if (s.result) lines.push(...describeResult(s.result));
  return `${lines.join('\n')}\n`;
}

function describeResult(r: QueueRunResult): string[] {
  const lines: string[] = [];
  if (r.error) lines.push(`  error       ${r.error.code}: ${r.error.message}`);
  const outputs = Object.entries(r.outputs).filter(([, v]) => v !== undefined);
  if (outputs.length > 0) {
    lines.push('  outputs');
    for (const [k, v] of outputs) lines.push(`    ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  return lines;
}

async function workerCommand(flags: WorkerFlags, io: CliIo): Promise<number> {
  const target = queueTarget(flags, io.env);
  let concurrency: number | undefined;
  if (flags.concurrency !== undefined) {
    concurrency = Number(flags.concurrency);
    if (!/^\d+$/.test(flags.concurrency) || !Number.isSafeInteger(concurrency) || concurrency < 1) {
      throw new CliError('CLI_USAGE', `--concurrency must be a whole number of at least 1, not "${flags.concurrency}".`, { flag: '--concurrency' });
    }
  }
  const events = flags.events ?? 'steps';
  if (events !== 'all' && events !== 'steps' && events !== 'none') {
    throw new CliError('CLI_USAGE', `--events must be all, steps or none, not "${events}".`, { flag: '--events' });
  }
  const delayThresholdMs = secondsFlag(flags['delay-threshold'], '--delay-threshold');
  const lockDurationMs = secondsFlag(flags['stall-timeout'], '--stall-timeout', { min: 0.1 });
  const quiet = flags.quiet === true;
  const stamp = (): string => new Date().toISOString().slice(11, 23);
  // Shared by every worker of the queue: seals the secrets runs obtain at run time (docs/queue.md).
  const sealKey = io.env.ARAZZO_SEAL_KEY;
  if (sealKey !== undefined) (await import('../queue/seal-key.js')).parseSealKey(sealKey, 'ARAZZO_SEAL_KEY');
  const { createArazzoWorker } = await import('../queue/worker.js');
  const worker = createArazzoWorker({
    ...target,
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(delayThresholdMs !== undefined ? { delayThresholdMs } : {}),
    ...(lockDurationMs !== undefined ? { lockDurationMs } : {}),
    events,
    env: io.env,
    ...(sealKey !== undefined ? { sealKey } : {}),
    log: (line) => {
      if (!quiet || /error|lost|taken over/.test(line)) io.stderr.write(`${stamp()} ${line}\n`);
    },
  });
  let stopping: Promise<void> | undefined;
  const stopped = new Promise<void>((resolve) => {
    const remove = io.onInterrupt((signal) => {
      if (stopping) process.exit(exitCodeFor({ code: 'RUN_CANCELLED' }, { signal }));
      io.stderr.write(`${stamp()} ${signal}: handing the runs in progress back to the queue, then exiting (again to exit at once)\n`);
      stopping = worker.close().then(() => {
        remove();
        resolve();
      });
    });
  });
  // A worker waits out a Redis that is down (at start as later on), saying so every so often.
  const waiting = setInterval(() => io.stderr.write(`${stamp()} Redis at ${target.connection} is not reachable yet; retrying (Ctrl-C to stop)\n`), 5_000);
  try {
    await Promise.race([worker.waitUntilReady(), stopped]);
  } catch (err) {
    await worker.close().catch(() => undefined);
    throw new ArazzoError('QUEUE_REDIS_UNAVAILABLE', `Redis at ${target.connection} is not reachable: ${(err as Error).message}`, undefined, { cause: err });
  } finally {
    clearInterval(waiting);
  }
  io.stderr.write(
    `${stamp()} worker ${worker.id} taking runs from ${worker.keys.base} at ${target.connection} (concurrency ${concurrency ?? 10}); stop with Ctrl-C or SIGTERM\n`,
  );
  await stopped;
  const st = worker.stats();
  io.stderr.write(
    `${stamp()} worker ${worker.id} stopped: ${st.finished} run${st.finished === 1 ? '' : 's'} finished, ${st.delayed} parked, ${st.handedOver} handed back\n`,
  );
  return EXIT_SUCCEEDED;
}
