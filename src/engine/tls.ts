/**
 * TLS settings for the default transport: extra trusted CAs, a client certificate for mutual TLS,
 * and turning verification off, globally or per source description. Each distinct setting gets
 * its own pooled undici Agent (its `connect` options); requests pick theirs by source.
 */
import { X509Certificate } from 'node:crypto';
import { createSecureContext, rootCertificates } from 'node:tls';
import { Agent, type Dispatcher, EnvHttpProxyAgent } from 'undici';
import { ArazzoError } from '../errors.js';
import { proxyConfigured, UndiciHttpClient } from './transport.js';
import type { HttpClient, HttpRequest, HttpResponse, SendOptions } from './types.js';

type Pem = string | Buffer;

/** TLS settings for some requests. */
export interface TlsSettings {
  /** CA certificates (PEM) trusted in addition to Node's built-in roots. */
  readonly ca?: Pem | readonly Pem[];
  /** Client certificate chain (PEM) for mutual TLS; needs `key`. */
  readonly cert?: Pem;
  /** Private key (PEM) of `cert`. */
  readonly key?: Pem;
  /** Passphrase of an encrypted `key`. */
  readonly passphrase?: string;
  /** Do not verify server certificates. Anyone on the path can then read and change the traffic, credentials included. */
  readonly insecure?: boolean;
}

/** `RunOptions.tls`: settings for every request, and per source description (a source's fields override the global ones). */
export interface TlsOptions extends TlsSettings {
  readonly sources?: Readonly<Record<string, TlsSettings>>;
}

/** What a run uses of its TLS options. */
export interface TlsTransport {
  readonly http: HttpClient;
  /** Whether requests to this source present a client certificate (it satisfies a mutualTLS scheme). */
  clientCertificate(source: string): boolean;
  /** Whether any setting turns verification off. */
  readonly insecure: boolean;
}

const transports = new WeakMap<TlsOptions, TlsTransport>();

/**
 * The transport for a run's TLS options, built once per options object (runs given the same object
 * share its connection pools). Throws TLS_CONFIG_INVALID when a CA, certificate or key is unusable.
 */
export function tlsTransport(tls: TlsOptions, options: { proxyFromEnv?: boolean } = {}): TlsTransport {
  const known = transports.get(tls);
  if (known) return known;
  const proxy = options.proxyFromEnv !== false && proxyConfigured();
  const global = clientFor(tls, 'RunOptions.tls', proxy);
  const bySource = new Map<string, { client: HttpClient; cert: boolean }>();
  let insecure = tls.insecure === true;
  for (const [name, own] of Object.entries(tls.sources ?? {})) {
    const merged: TlsSettings = { ...pick(tls), ...pick(own) };
    if (own.cert !== undefined && own.key === undefined) throw missingPair(`RunOptions.tls.sources["${name}"]`, 'key');
    bySource.set(name, { client: clientFor(merged, `RunOptions.tls.sources["${name}"]`, proxy), cert: merged.cert !== undefined });
    insecure ||= merged.insecure === true;
  }
  const transport: TlsTransport = {
    http: bySource.size === 0 ? global : new SourceRoutedHttpClient(global, new Map([...bySource].map(([k, v]) => [k, v.client]))),
    clientCertificate: (source) => bySource.get(source)?.cert ?? tls.cert !== undefined,
    insecure,
  };
  transports.set(tls, transport);
  return transport;
}

/** The fields of a settings object that are set (so a source's undefined field keeps the global one). */
function pick(s: TlsSettings): TlsSettings {
  const out: { -readonly [K in keyof TlsSettings]: TlsSettings[K] } = {};
  if (s.ca !== undefined) out.ca = s.ca;
  if (s.cert !== undefined) out.cert = s.cert;
  if (s.key !== undefined) out.key = s.key;
  if (s.passphrase !== undefined) out.passphrase = s.passphrase;
  if (s.insecure !== undefined) out.insecure = s.insecure;
  return out;
}

function missingPair(where: string, field: 'cert' | 'key'): ArazzoError {
  return new ArazzoError(
    'TLS_CONFIG_INVALID',
    `${where} has a ${field === 'key' ? 'client certificate (cert) but no key' : 'key but no client certificate (cert)'}; mutual TLS needs both.`,
  );
}

/** The undici `connect` options of a setting; TLS_CONFIG_INVALID when it is unusable (`where` names it in the message). */
export function checkTlsSettings(s: TlsSettings, where: string): ConnectOptions {
  if (s.cert !== undefined && s.key === undefined) throw missingPair(where, 'key');
  if (s.key !== undefined && s.cert === undefined) throw missingPair(where, 'cert');
  const own = s.ca === undefined ? undefined : Array.isArray(s.ca) ? (s.ca as Pem[]) : [s.ca as Pem];
  const connect: ConnectOptions = {
    ...(own ? { ca: [...rootCertificates, ...own] } : {}),
    ...(s.cert !== undefined ? { cert: s.cert } : {}),
    ...(s.key !== undefined ? { key: s.key } : {}),
    ...(s.passphrase !== undefined ? { passphrase: s.passphrase } : {}),
    rejectUnauthorized: s.insecure !== true,
  };
  try {
    // Node skips a CA that is not PEM without a word: parse each one.
    for (const pem of own ?? []) new X509Certificate(pem);
    // undici builds the context on the first connection; building it now reports a bad PEM before anything is sent.
    createSecureContext(connect);
  } catch (err) {
    const reason = (err as Error).message;
    throw new ArazzoError(
      'TLS_CONFIG_INVALID',
      `${where}: the CA, certificate or key cannot be used (${reason}). Give PEM files (-----BEGIN CERTIFICATE----- / -----BEGIN PRIVATE KEY-----), a key that matches the certificate, and its passphrase if it is encrypted.`,
      undefined,
      { cause: err },
    );
  }
  return connect;
}

interface ConnectOptions {
  readonly ca?: Pem[];
  readonly cert?: Pem;
  readonly key?: Pem;
  readonly passphrase?: string;
  readonly rejectUnauthorized: boolean;
}

function clientFor(s: TlsSettings, where: string, proxy: boolean): HttpClient {
  const connect = checkTlsSettings(s, where);
  const dispatcher: Dispatcher = proxy
    ? new EnvHttpProxyAgent({ keepAliveTimeout: 10_000, connections: 256, connect, requestTls: connect })
    : new Agent({ keepAliveTimeout: 10_000, connections: 256, connect });
  return new UndiciHttpClient(dispatcher);
}

/** Sends each request through its source's client (`SendOptions.source`), else the global one. */
class SourceRoutedHttpClient implements HttpClient {
  constructor(
    private readonly fallback: HttpClient,
    private readonly bySource: ReadonlyMap<string, HttpClient>,
  ) {}

  send(request: HttpRequest, options?: SendOptions): Promise<HttpResponse> {
    const source = options?.source;
    const client = (source !== undefined ? this.bySource.get(source) : undefined) ?? this.fallback;
    return client.send(request, options);
  }
}
