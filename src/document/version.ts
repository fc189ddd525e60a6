/** Version selection by the root `arazzo` field (P1: 1.0.x and 1.1.x only). */
import { ArazzoError } from '../errors.js';
import type { ArazzoVersion } from './types.js';
import { asRecord } from '../util/guards.js';

export const SUPPORTED_VERSIONS: readonly ArazzoVersion[] = ['1.0', '1.1'];

const PATTERNS: ReadonlyArray<[ArazzoVersion, RegExp]> = [
  ['1.0', /^1\.0\.\d+(-.+)?$/],
  ['1.1', /^1\.1\.\d+(-.+)?$/],
];

/** The feature set a root `arazzo` value selects, or undefined when it is not supported. */
export function versionOf(arazzo: unknown): ArazzoVersion | undefined {
  if (typeof arazzo !== 'string') return undefined;
  for (const [version, pattern] of PATTERNS) if (pattern.test(arazzo)) return version;
  return undefined;
}

/** Explain why a root `arazzo` value is not supported. */
export function unsupportedVersionMessage(arazzo: unknown): string {
  const supported = 'Supported versions are 1.0.x (e.g. 1.0.1) and 1.1.x (e.g. 1.1.0).';
  if (arazzo === undefined) return `The document has no root 'arazzo' field. Add e.g. 'arazzo: 1.0.1'. ${supported}`;
  if (typeof arazzo !== 'string') {
    return `The root 'arazzo' field must be a string such as '1.0.1' (quote it in YAML), not ${JSON.stringify(arazzo)}. ${supported}`;
  }
  return `Arazzo version '${arazzo}' is not supported. ${supported}`;
}

/** The version of a parsed document; throws ArazzoError('ARAZZO_VERSION_UNSUPPORTED') otherwise. */
export function detectArazzoVersion(data: unknown): ArazzoVersion {
  const arazzo = asRecord(data)?.arazzo;
  const version = versionOf(arazzo);
  if (!version) throw new ArazzoError('ARAZZO_VERSION_UNSUPPORTED', unsupportedVersionMessage(arazzo), { path: '$.arazzo' });
  return version;
}
