/**
 * Resources: each workflow's Mermaid graph (as `arazzo graph` draws it) and each served document
 * as written, so a client can show a person what a tool will do before the model calls it.
 */
import { basename } from 'node:path';
import { renderMermaid } from '../cli/graph.js';
import type { ServedDocument, WorkflowTool } from './tools.js';

export interface ServedResource {
  readonly uri: string;
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly mimeType: string;
  /** The text, made when first read. */
  text(): string;
}

export function buildResources(documents: readonly ServedDocument[], tools: readonly WorkflowTool[]): ServedResource[] {
  const resources: ServedResource[] = [];
  const docUri = new Map<ServedDocument, string>();
  documents.forEach((served, i) => {
    const name = basename(served.file.replace(/[?#].*$/, '')) || `document-${i + 1}`;
    const uri = `arazzo://documents/${i + 1}/${encodeURIComponent(name)}`;
    docUri.set(served, uri);
    resources.push({
      uri,
      name,
      title: served.doc.document.info?.title ?? name,
      description: `The Arazzo document ${served.file}, as written. Its workflows are the tools ${tools
        .filter((t) => t.served === served)
        .map((t) => t.name)
        .join(', ')}.`,
      mimeType: served.source.mimeType,
      text: () => served.source.text,
    });
  });
  for (const tool of tools) {
    let graph: string | undefined;
    resources.push({
      uri: `arazzo://workflows/${tool.name}/graph`,
      name: `${tool.name}.mmd`,
      title: `Graph of ${tool.workflow.workflowId}`,
      description: `The steps of the tool ${tool.name} as a Mermaid flowchart: solid arrows are success paths, dashed arrows failure paths (retry, goto, end). Source: ${docUri.get(tool.served)}.`,
      mimeType: 'text/vnd.mermaid',
      text: () => (graph ??= renderMermaid(tool.served.doc.document, { workflowId: tool.workflow.workflowId })),
    });
  }
  return resources;
}

/** The resource as `resources/list` shows it. */
export function resourceListing(r: ServedResource): { uri: string; name: string; title: string; description: string; mimeType: string } {
  return { uri: r.uri, name: r.name, title: r.title, description: r.description, mimeType: r.mimeType };
}
