/**
 * `--auth`, `--ca`, `--cert`, `--key` and `--insecure`: credentials for the security schemes and
 * TLS settings, checked against the loaded document before anything is sent. Shared by every
 * command that runs workflows.
 *
 * `--auth <scheme>[.<field>]=env:VAR|file:path`. A credential is never written on the command
 * line itself, where the shell history and other users (`ps`) would see it. `<scheme>` may be
 * qualified by its source (`api.bearerAuth`) when several sources define the name. Without a
 * field the value is the scheme's usual credential: the token (bearer, other http schemes,
 * oauth2 and openIdConnect access tokens), the key (apiKey), `user:password` (http basic).
 * Fields: token, apiKey, username, password, clientId, clientSecret.
 *
 * `--ca [source=]file`, `--cert [source=]file`, `--key [source=]file`: without `source=` they
 * apply to every request, with it to that source's requests (its settings override the global
 * ones). A text whose part before `=` names no source is read as a file path when that file
 * exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import { acceptedKinds, describeScheme, kindOf, unsupportedReason } from '../auth/schemes.js';
import type { AuthCredentials, Credential } from '../auth/types.js';
import type { LoadedDocument } from '../compile/loaded.js';
import { checkTlsSettings, type TlsOptions, type TlsSettings } from '../engine/tls.js';
import type { SecuritySchemeInfo } from '../sources/types.js';
import { didYouMean } from '../util/suggest.js';
import { truncateForMessage } from '../util/truncate.js';
import { CliError } from './errors.js';

/** A security scheme of one of the document's OpenAPI sources. */
export interface KnownScheme {
  readonly source: string;
  readonly scheme: SecuritySchemeInfo;
}

export interface SecurityFlags {
  auth?: string[];
  ca?: string[];
  cert?: string[];
  key?: string[];
  insecure?: boolean;
}

export interface SecurityOptions {
  readonly auth?: AuthCredentials;
  readonly tls?: TlsOptions;
  /** Every credential read, for the CLI's own masker. */
  readonly secrets: readonly string[];
  /** Lines to print on stderr before the run (the --insecure warning). */
  readonly warnings: readonly string[];
}

export interface FlagIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readFile(path: string): string;
}

const fileIo = (env: FlagIo['env']): FlagIo => ({ env, readFile: (path) => readFileSync(path, 'utf8') });

/**
 * The auth and TLS options of a run from the flags; CliError (exit 2) for anything wrong. With
 * several documents (`arazzo test`), a scheme or source name has to exist in one of them, and the
 * one `auth` object returned serves every run, so OAuth2 tokens are fetched once for all.
 */
export function securityOptions(
  flags: SecurityFlags,
  docs: LoadedDocument | readonly LoadedDocument[],
  env: FlagIo['env'],
  io: FlagIo = fileIo(env),
): SecurityOptions {
  const list: readonly LoadedDocument[] = Array.isArray(docs) ? docs : [docs as LoadedDocument];
  const secrets: string[] = [];
  const auth = flags.auth?.length ? parseAuthFlags(flags.auth, list.flatMap(knownSchemes), io, secrets) : undefined;
  const tls = parseTlsFlags(flags, [...new Set(list.flatMap(sourceNames))], io);
  const warnings = flags.insecure
    ? [
        'warning: --insecure is on: server certificates are not verified, so anyone on the network path can read and change this run’s traffic, credentials included. Use --ca <file> to trust a private CA instead.',
      ]
    : [];
  return { ...(auth ? { auth } : {}), ...(tls ? { tls } : {}), secrets, warnings };
}

/** Every security scheme of the document's OpenAPI sources (and of the OpenAPI sources of its Arazzo sources). */
export function knownSchemes(doc: LoadedDocument): KnownScheme[] {
  const out: KnownScheme[] = [];
  const listed = new Set<string>();
  const seen = new Set<LoadedDocument>();
  const walk = (d: LoadedDocument): void => {
    if (seen.has(d)) return;
    seen.add(d);
    for (const [name, source] of d.sources) {
      if (source.kind !== 'openapi') {
        walk(source.document);
        continue;
      }
      for (const scheme of source.securitySchemes?.values() ?? []) {
        // The same source loaded by nested documents is listed once.
        if (listed.has(`${name}\u0000${scheme.name}`)) continue;
        listed.add(`${name}\u0000${scheme.name}`);
        out.push({ source: name, scheme });
      }
    }
  };
  walk(doc);
  return out;
}

function sourceNames(doc: LoadedDocument): string[] {
  return doc.sources.size > 0 ? [...doc.sources.keys()] : (doc.document.sourceDescriptions ?? []).map((s) => s.name);
}

// ---------------------------------------------------------------- --auth

const FIELDS = new Set(['token', 'apiKey', 'username', 'password', 'clientId', 'clientSecret']);
/** Fields whose values are not secret on their own. */
const PUBLIC_FIELDS = new Set(['username', 'clientId']);

interface Entry {
  /** The key in AuthCredentials: `scheme` or `source.scheme`, as written. */
  readonly key: string;
  readonly schemes: readonly KnownScheme[];
  readonly fields: Record<string, string>;
  /** The flag that gave the whole credential, when one did. */
  whole?: string;
}

export function parseAuthFlags(items: readonly string[], known: readonly KnownScheme[], io: FlagIo, secrets: string[]): AuthCredentials {
  const entries = new Map<string, Entry>();
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      throw new CliError(
        'AUTH_FLAG_INVALID',
        `--auth expects <scheme>=env:VAR or <scheme>=file:path, e.g. --auth ${known[0]?.scheme.name ?? 'bearerAuth'}=env:API_TOKEN.`,
        {
          flag: '--auth',
        },
      );
    }
    const name = item.slice(0, eq);
    const from = item.slice(eq + 1);
    const { key, field, schemes } = resolveName(name, known);
    const value = readCredential(name, from, io);
    let entry = entries.get(key);
    if (!entry) {
      entry = { key, schemes, fields: {} };
      entries.set(key, entry);
    }
    if (field === undefined) {
      if (entry.whole !== undefined || Object.keys(entry.fields).length > 0) throw twice(name);
      entry.whole = value;
    } else {
      if (entry.whole !== undefined || entry.fields[field] !== undefined) throw twice(name);
      entry.fields[field] = value;
    }
    if (field === undefined || !PUBLIC_FIELDS.has(field)) secrets.push(value);
  }
  const out: Record<string, Credential> = {};
  for (const entry of entries.values()) {
    const credential = entry.whole !== undefined ? wholeCredential(entry, entry.whole, secrets) : (entry.fields as unknown as Credential);
    for (const s of entry.schemes) checkCredential(entry, s, credential);
    out[entry.key] = credential;
  }
  return out;
}

function twice(name: string): CliError {
  return new CliError('AUTH_FLAG_INVALID', `--auth ${name}: this credential (or a part of it) is given twice; give it once.`, { flag: '--auth' });
}

/**
 * `[source.]scheme[.field]` → the credentials key, the field, and the schemes it names. A name only
 * one source defines is keyed `source.scheme`, so `oauth.clientId` and `api.oauth.clientSecret`
 * make one credential.
 */
function resolveName(name: string, known: readonly KnownScheme[]): { key: string; field?: string; schemes: KnownScheme[] } {
  const keyOf = (schemes: KnownScheme[], written: string): string => {
    const sources = new Set(schemes.map((k) => k.source));
    return sources.size === 1 ? `${schemes[0]?.source}.${schemes[0]?.scheme.name}` : written;
  };
  const whole = matching(name, known);
  if (whole.length > 0) return { key: keyOf(whole, name), schemes: whole };
  const dot = name.lastIndexOf('.');
  if (dot > 0 && FIELDS.has(name.slice(dot + 1))) {
    const prefix = name.slice(0, dot);
    const schemes = matching(prefix, known);
    if (schemes.length > 0) return { key: keyOf(schemes, prefix), field: name.slice(dot + 1), schemes };
  }
  const names = [...new Set(known.flatMap((k) => [k.scheme.name, `${k.source}.${k.scheme.name}`]))];
  const base = dot > 0 && FIELDS.has(name.slice(dot + 1)) ? name.slice(0, dot) : name;
  throw new CliError(
    'AUTH_SCHEME_UNKNOWN',
    `--auth ${truncateForMessage(name, 80)}: no OpenAPI source of the document defines a security scheme named "${truncateForMessage(base, 80)}".${didYouMean(base, names)} ` +
      (known.length > 0 ? `Schemes: ${known.map((k) => `${k.source}.${k.scheme.name}`).join(', ')}.` : 'Its sources define no security schemes.'),
    { flag: '--auth' },
  );
}

function matching(name: string, known: readonly KnownScheme[]): KnownScheme[] {
  const qualified = known.filter((k) => `${k.source}.${k.scheme.name}` === name);
  return qualified.length > 0 ? qualified : known.filter((k) => k.scheme.name === name);
}

function readCredential(name: string, from: string, io: FlagIo): string {
  if (from.startsWith('env:')) {
    const variable = from.slice(4);
    const raw = variable === '' ? undefined : io.env[variable];
    if (raw === undefined || raw === '') {
      throw new CliError(
        'AUTH_CREDENTIAL_MISSING',
        `--auth ${name}: the environment variable ${truncateForMessage(variable, 80) || '(none named)'} is ${raw === undefined ? 'not set' : 'empty'}. Set it (export ${truncateForMessage(variable, 80) || 'VAR'}=...).`,
        { flag: '--auth' },
      );
    }
    return raw;
  }
  if (from.startsWith('file:')) {
    const path = from.slice(5);
    let text: string;
    try {
      text = io.readFile(path);
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new CliError(
        'AUTH_CREDENTIAL_MISSING',
        `--auth ${name}: the file ${truncateForMessage(path, 200)} cannot be read (${reason}).`,
        { flag: '--auth' },
        { cause: err },
      );
    }
    // A secret file usually ends with one newline (echo, Docker and Kubernetes secrets): it is not part of the secret.
    const value = text.replace(/\r?\n$/, '');
    if (value === '') throw new CliError('AUTH_CREDENTIAL_MISSING', `--auth ${name}: the file ${truncateForMessage(path, 200)} is empty.`, { flag: '--auth' });
    return value;
  }
  throw new CliError(
    'AUTH_FLAG_INVALID',
    `--auth ${name}=…: the value must be env:VAR (an environment variable) or file:path (a file holding it). Credentials are never written on the command line, where the shell history and other users can read them.`,
    { flag: '--auth' },
  );
}

/** The credential one whole value gives, by the kind of scheme it names. */
function wholeCredential(entry: Entry, value: string, secrets: string[]): Credential {
  const kinds = new Set(entry.schemes.map((k) => acceptedKinds(k.scheme)[0]));
  if (kinds.size > 1) {
    throw new CliError(
      'AUTH_FLAG_INVALID',
      `--auth ${entry.key}: sources define different kinds of scheme under this name (${entry.schemes.map((k) => `${k.source}.${describeScheme(k.scheme)}`).join(', ')}); qualify it with the source name, e.g. --auth ${entry.schemes[0]?.source}.${entry.key}=...`,
      { flag: '--auth' },
    );
  }
  const first = entry.schemes[0]?.scheme as SecuritySchemeInfo;
  if (acceptedKinds(first)[0] === 'basic') {
    const colon = value.indexOf(':');
    if (colon < 0) {
      throw new CliError(
        'AUTH_FLAG_INVALID',
        `--auth ${entry.key}: ${describeScheme(first)} is HTTP Basic; the value must be user:password (or give --auth ${entry.key}.username=… and --auth ${entry.key}.password=…).`,
        { flag: '--auth' },
      );
    }
    const password = value.slice(colon + 1);
    secrets.push(password);
    return { username: value.slice(0, colon), password };
  }
  return first.type === 'apiKey' ? { apiKey: value } : { token: value };
}

function checkCredential(entry: Entry, known: KnownScheme, credential: Credential): void {
  const { scheme, source } = known;
  const where = `--auth ${entry.key}`;
  if (scheme.type === 'mutualTLS') {
    throw new CliError(
      'AUTH_FLAG_INVALID',
      `${where}: ${describeScheme(scheme)} of source "${source}" is mutual TLS; give the client certificate with --cert and --key instead.`,
      {
        flag: '--auth',
      },
    );
  }
  const unsupported = unsupportedReason(scheme);
  if (unsupported)
    throw new CliError('AUTH_FLAG_INVALID', `${where}: ${describeScheme(scheme)} of source "${source}" cannot be applied: ${unsupported}.`, { flag: '--auth' });
  const kind = kindOf(credential);
  const fields = Object.keys(credential);
  if (kind === undefined) {
    const missing = fields.includes('clientId')
      ? 'clientSecret'
      : fields.includes('clientSecret')
        ? 'clientId'
        : fields.includes('username')
          ? 'password'
          : 'username';
    throw new CliError('AUTH_FLAG_INVALID', `${where}: ${fields.map((f) => `${entry.key}.${f}`).join(' and ')} given without ${entry.key}.${missing}.`, {
      flag: '--auth',
    });
  }
  if (fields.length > (kind === 'token' ? 1 : 2)) {
    throw new CliError('AUTH_FLAG_INVALID', `${where}: ${fields.map((f) => `.${f}`).join(', ')} mix credentials of different kinds; give one kind.`, {
      flag: '--auth',
    });
  }
  if (!acceptedKinds(scheme).includes(kind)) {
    const usual = acceptedKinds(scheme)[0] === 'basic' ? `--auth ${entry.key}=env:USER_COLON_PASSWORD` : `--auth ${entry.key}=env:TOKEN`;
    const several = entry.schemes.length > 1 ? ` (several sources define "${entry.key}"; qualify it: --auth ${entry.schemes[0]?.source}.${entry.key}.…)` : '';
    throw new CliError(
      'AUTH_FLAG_INVALID',
      `${where}: ${describeScheme(scheme)} of source "${source}" does not take ${fields.join(' and ')}; e.g. ${usual}${several}.`,
      {
        flag: '--auth',
      },
    );
  }
  if (kind === 'client' && scheme.type === 'oauth2' && scheme.tokenUrl === undefined) {
    throw new CliError(
      'AUTH_FLAG_INVALID',
      `${where}: ${describeScheme(scheme)} of source "${source}" has no clientCredentials flow (flows: ${scheme.flows?.join(', ') || 'none'}), so a client id and secret cannot be exchanged for a token; give a ready access token: --auth ${entry.key}=env:ACCESS_TOKEN.`,
      { flag: '--auth' },
    );
  }
}

// ---------------------------------------------------------------- TLS

export function parseTlsFlags(flags: SecurityFlags, sources: readonly string[], io: FlagIo): TlsOptions | undefined {
  if (!flags.ca?.length && !flags.cert?.length && !flags.key?.length && !flags.insecure) return undefined;
  const global: { ca: string[]; cert?: string; key?: string; certFile?: string; keyFile?: string } = { ca: [] };
  const bySource = new Map<string, typeof global>();
  const scope = (source: string | undefined) => {
    if (source === undefined) return global;
    let s = bySource.get(source);
    if (!s) {
      s = { ca: [] };
      bySource.set(source, s);
    }
    return s;
  };
  for (const flag of ['ca', 'cert', 'key'] as const) {
    for (const item of flags[flag] ?? []) {
      const { source, path } = splitSource(`--${flag}`, item, sources);
      const text = readPem(`--${flag}`, path, io);
      const s = scope(source);
      if (flag === 'ca') s.ca.push(text);
      else {
        if (s[flag] !== undefined) {
          throw new CliError(
            'TLS_FILE_INVALID',
            `--${flag} is given twice${source ? ` for source "${source}"` : ''}; give one ${flag === 'cert' ? 'certificate' : 'key'}.`,
            {
              flag: `--${flag}`,
            },
          );
        }
        s[flag] = text;
        s[`${flag}File`] = path;
      }
    }
  }
  const settings = (s: typeof global, source: string | undefined): TlsSettings => {
    const label = source ? ` for source "${source}"` : '';
    if (s.cert !== undefined && s.key === undefined) {
      throw new CliError('TLS_FILE_INVALID', `--cert ${s.certFile}${label} has no --key; mutual TLS needs the key of the certificate too.`, { flag: '--key' });
    }
    if (s.key !== undefined && s.cert === undefined) {
      throw new CliError('TLS_FILE_INVALID', `--key ${s.keyFile}${label} has no --cert; mutual TLS needs the certificate too.`, { flag: '--cert' });
    }
    const out: TlsSettings = {
      ...(s.ca.length > 0 ? { ca: s.ca } : {}),
      ...(s.cert !== undefined ? { cert: s.cert, key: s.key as string } : {}),
    };
    checkTlsSettings(out, [s.ca.length ? '--ca' : '', s.cert ? `--cert ${s.certFile} --key ${s.keyFile}` : ''].filter(Boolean).join(', ') + label);
    return out;
  };
  const tls: { -readonly [K in keyof TlsOptions]: TlsOptions[K] } = { ...settings(global, undefined) };
  if (flags.insecure) tls.insecure = true;
  if (bySource.size > 0) tls.sources = Object.fromEntries([...bySource].map(([name, s]) => [name, settings(s, name)]));
  return tls;
}

/** `source=path` when the part before `=` names a source; else the whole text is the path. */
function splitSource(flag: string, item: string, sources: readonly string[]): { source?: string; path: string } {
  const eq = item.indexOf('=');
  if (eq > 0) {
    const prefix = item.slice(0, eq);
    if (sources.includes(prefix)) return { source: prefix, path: item.slice(eq + 1) };
    if (!/[\\/]/.test(prefix) && !existsSync(item)) {
      throw new CliError(
        'TLS_FILE_INVALID',
        `${flag} ${truncateForMessage(item, 200)}: the document has no source named "${truncateForMessage(prefix, 80)}".${didYouMean(prefix, sources)} Sources: ${sources.join(', ') || 'none'}.`,
        { flag },
      );
    }
  }
  return { path: item };
}

function readPem(flag: string, path: string, io: FlagIo): string {
  if (path === '') throw new CliError('TLS_FILE_INVALID', `${flag} needs a file name.`, { flag });
  try {
    return io.readFile(path);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new CliError('TLS_FILE_INVALID', `${flag} ${truncateForMessage(path, 200)}: the file cannot be read (${reason}).`, { flag }, { cause: err });
  }
}
