/**
 * XPath (P12): XPath 3.1 with fontoxpath over slimdom documents, loaded by engines.ts (`xpath`)
 * only for documents that use XPath. fontoxpath caches the compiled form of each expression text,
 * so evaluation does not re-parse.
 */
import { engine, type XPathModules } from './engines.js';

export type { XPathModules };

/** The fontoxpath and slimdom modules; the `xpath` engine must be loaded (engines.ts). */
export function loadXPath(): XPathModules {
  return engine('xpath');
}

/** Thrown when an XPath expression does not compile (a static XPST error). */
export class XPathSyntaxError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'XPathSyntaxError';
  }
}

let probeDocument: unknown;

/** Checks that an expression compiles; throws XPathSyntaxError with fontoxpath's message. */
export function checkXPath(expression: string): void {
  const { fontoxpath, slimdom } = loadXPath();
  probeDocument ??= slimdom.parseXmlDocument('<probe/>');
  try {
    fontoxpath.evaluateXPath(expression, probeDocument, null, null, fontoxpath.evaluateXPath.ANY_TYPE);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const code = /\b(XPST\d{4})\b/.exec(message);
    if (code) throw new XPathSyntaxError(`Invalid XPath "${expression}": ${firstErrorLine(message)}`, { cause: err });
    // Dynamic errors against the probe document are not syntax errors.
  }
}

function firstErrorLine(message: string): string {
  const line = message.split('\n').find((l) => /XP[A-Z]{2}\d{4}/.test(l));
  return (line ?? message.split('\n')[0] ?? message).replace(/^Error:\s*/, '').trim();
}

/** A parsed XML document for a context value: strings are parsed as XML, DOM nodes are used as is. */
export function toXmlNode(context: unknown): unknown {
  if (typeof context === 'string') {
    const { slimdom } = loadXPath();
    try {
      return slimdom.parseXmlDocument(context);
    } catch (err) {
      throw new Error(`the context is not well-formed XML: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`, { cause: err });
    }
  }
  if (context !== null && typeof context === 'object' && 'nodeType' in context) return context;
  throw new Error(`the context must be XML text, got ${context === null ? 'null' : typeof context}`);
}

/** Effective boolean value of `expression` evaluated against `context` (XML text or a node). Throws on errors. */
export function evaluateXPathBoolean(context: unknown, expression: string): boolean {
  const node = toXmlNode(context);
  const { fontoxpath } = loadXPath();
  return fontoxpath.evaluateXPathToBoolean(expression, node);
}

function toPlain(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && 'nodeType' in value) {
    return (value as { textContent?: string | null }).textContent ?? '';
  }
  return value;
}

/**
 * Evaluates `expression` against XML text (or a node) and returns a JSON value: nodes become their
 * string value, a sequence becomes its first item (the Selector rule), an empty sequence `undefined`.
 * Throws on malformed XML or an invalid expression.
 */
export function evaluateXPath(xmlText: unknown, expression: string): unknown {
  const node = toXmlNode(xmlText);
  const { fontoxpath } = loadXPath();
  const result = fontoxpath.evaluateXPath(expression, node, null, null, fontoxpath.evaluateXPath.ANY_TYPE);
  if (Array.isArray(result)) return result.length === 0 ? undefined : toPlain(result[0]);
  return toPlain(result);
}

/**
 * Sets the text of every node `expression` selects in `xmlText` (an attribute: its value) to
 * `text`, and returns the document serialised again. Throws on malformed XML or an invalid
 * expression.
 */
export function replaceXPathNodes(xmlText: string, expression: string, text: string): string {
  const { fontoxpath, slimdom } = loadXPath();
  const doc = slimdom.parseXmlDocument(xmlText);
  const nodes = fontoxpath.evaluateXPathToNodes(expression, doc) as unknown as Array<{ nodeType: number; textContent: string | null; value?: string }>;
  for (const node of nodes) {
    if (node.nodeType === 2) node.value = text;
    else node.textContent = text;
  }
  return slimdom.serializeToWellFormedString(doc);
}
