/**
 * `arazzo list`: the workflows of a document, their summaries and their inputs, as the library's
 * `describeWorkflows` reads them; secret defaults are hidden here, where they are printed.
 */
import { describeWorkflows, type WorkflowInput } from '../document/inputs.js';
import type { ArazzoDocument } from '../document/types.js';
import { createStyle } from './format.js';
import { inputFlag } from './inputs.js';

export interface WorkflowListing {
  workflowId: string;
  summary?: string;
  steps: number;
  inputs: Array<{ name: string; type: string; required: boolean; default?: unknown; secret: boolean; description?: string }>;
}

/** The `arazzo list --json` entries. */
export function listWorkflows(doc: ArazzoDocument): WorkflowListing[] {
  return describeWorkflows(doc).map((w) => {
    const listing: WorkflowListing = { workflowId: w.workflowId, steps: w.stepCount, inputs: w.inputs.map(toListed) };
    const summary = w.summary ?? firstSentence(w.description);
    if (summary !== undefined) listing.summary = summary;
    return listing;
  });
}

function toListed(i: WorkflowInput): WorkflowListing['inputs'][number] {
  return {
    name: i.name,
    type: i.type,
    required: i.required,
    ...(i.hasDefault ? { default: i.secret ? '***' : i.default } : {}),
    secret: i.secret,
    ...(i.description !== undefined ? { description: i.description } : {}),
  };
}

function firstSentence(text: string | undefined): string | undefined {
  if (typeof text !== 'string' || text.trim() === '') return undefined;
  const one = text.trim().replace(/\s+/g, ' ');
  const m = /^(.*?[.!?])(\s|$)/.exec(one);
  return m ? m[1] : one;
}

export function renderList(doc: ArazzoDocument, file: string, color: boolean): string {
  const s = createStyle(color);
  const listings = listWorkflows(doc);
  const title = doc.info && typeof doc.info === 'object' && typeof doc.info.title === 'string' ? doc.info.title : file;
  const lines: string[] = [`${s.bold(title)}  ${s.dim(`(${listings.length} workflow${listings.length === 1 ? '' : 's'})`)}`, ''];
  for (const w of listings) {
    lines.push(`${s.bold(w.workflowId)}${w.summary ? `  ${w.summary}` : ''}  ${s.dim(`(${w.steps} step${w.steps === 1 ? '' : 's'})`)}`);
    if (w.inputs.length === 0) {
      lines.push(`  ${s.dim('no inputs')}`);
    } else {
      const nameW = Math.max(...w.inputs.map((i) => i.name.length));
      const typeW = Math.max(...w.inputs.map((i) => i.type.length));
      for (const i of w.inputs) {
        const flags = [i.required ? 'required' : 'optional'];
        if (i.default !== undefined) flags.push(`default: ${JSON.stringify(i.default)}`);
        if (i.secret) flags.push('secret');
        lines.push(`  ${i.name.padEnd(nameW)}  ${i.type.padEnd(typeW)}  ${flags.join(', ')}`);
      }
    }
    lines.push('');
  }
  const first = listings[0];
  if (first) lines.push(s.dim(`Run ${listings.length > 1 ? 'the first' : 'it'} with: ${runCommandFor(file, first, listings.length > 1)}`));
  return `${lines.join('\n')}\n`;
}

/**
 * A command line that runs the workflow: each required input without a default as
 * `--input name=<type>`, secrets from the environment as `--input-env name=NAME`.
 */
function runCommandFor(file: string, w: WorkflowListing, needsId: boolean): string {
  const parts = ['arazzo run', /\s/.test(file) ? `'${file}'` : file];
  if (needsId) parts.push(`--workflow ${w.workflowId}`);
  const needed = w.inputs.filter((i) => i.required && !('default' in i));
  for (const i of [...needed.filter((x) => !x.secret), ...needed.filter((x) => x.secret)]) parts.push(inputFlag(i));
  return parts.join(' ');
}
