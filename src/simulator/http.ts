/** Small HTTP helpers shared by the simulator's handlers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';

export const MAX_BODY_BYTES = 1024 * 1024;

/** What a handler returns; the server writes it. */
export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Send `body` as text/plain instead of JSON. */
  readonly text?: boolean;
}

export class BodyError extends Error {
  constructor(
    message: string,
    readonly status: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new BodyError(`Request body exceeds ${MAX_BODY_BYTES} bytes`, 413);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses a JSON body; an empty body is `undefined`. */
export function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new BodyError(`Request body is not valid JSON: ${(err as Error).message}`, 400, { cause: err });
  }
}

export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return headers ? { status, body, headers } : { status, body };
}

/** The Inference Endpoints error body: `{"error": "..."}`. */
export function hfError(status: number, message: string, headers?: Record<string, string>): Reply {
  return { status, body: { error: message }, headers: { 'x-error-message': message, ...headers } };
}

export function writeReply(res: ServerResponse, reply: Reply, requestId: string): void {
  const headers: Record<string, string> = { 'x-request-id': requestId, ...reply.headers };
  let payload = '';
  if (reply.body !== undefined) {
    if (reply.text) {
      payload = String(reply.body);
      headers['content-type'] ??= 'text/plain; charset=utf-8';
    } else {
      payload = JSON.stringify(reply.body);
      headers['content-type'] ??= 'application/json';
    }
  }
  headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(reply.status, STATUS_CODES[reply.status] ?? 'Unknown', headers);
  res.end(payload);
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const value = req.headers.authorization;
  if (typeof value !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
  return match?.[1];
}
