/**
 * `arazzo list` and `arazzo graph`: read the document as plain data (no sources fetched, no
 * engine loaded) and describe it.
 */
import { readOptionsFromFlags, readPlainDocument, selectWorkflow } from './document.js';
import { CliError } from './errors.js';
import { wantsColor } from './format.js';
import { renderMermaid } from './graph.js';
import type { CliIo } from './io.js';
import { listWorkflows, renderList } from './list.js';

export async function listCommand(file: string, json: boolean, io: CliIo, flags: Record<string, unknown> = {}): Promise<number> {
  const doc = await readPlainDocument(file, readOptionsFromFlags(flags));
  if (json) io.stdout.write(`${JSON.stringify(listWorkflows(doc), null, 2)}\n`);
  else io.stdout.write(renderList(doc, file, wantsColor(io.stdout.isTTY === true, io.env)));
  return 0;
}

export async function graphCommand(file: string, flags: Record<string, unknown>, io: CliIo): Promise<number> {
  const doc = await readPlainDocument(file, readOptionsFromFlags(flags));
  const direction = flags.direction === undefined ? 'TD' : String(flags.direction).toUpperCase();
  if (direction !== 'TD' && direction !== 'LR') {
    throw new CliError('CLI_USAGE', `--direction must be TD (top-down) or LR (left-right), not "${String(flags.direction)}".`);
  }
  const requested = typeof flags.workflow === 'string' ? flags.workflow : undefined;
  if (requested !== undefined) selectWorkflow(doc, requested, file);
  io.stdout.write(renderMermaid(doc, { direction, ...(requested !== undefined ? { workflowId: requested } : {}) }));
  return 0;
}
