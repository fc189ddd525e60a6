import { describe, expect, it } from 'vitest';
import { chooseRequirement } from '../src/auth/requirements.js';
import type { SecurityRequirement, SecuritySchemeInfo } from '../src/sources/types.js';

const schemes = new Map<string, SecuritySchemeInfo>([
  ['bearer', { name: 'bearer', type: 'http', scheme: 'bearer' }],
  ['key', { name: 'key', type: 'apiKey', in: 'header', paramName: 'X-Key' }],
  ['tenant', { name: 'tenant', type: 'apiKey', in: 'query', paramName: 'tenant' }],
  ['oauth', { name: 'oauth', type: 'oauth2', tokenUrl: '/token', flows: ['clientCredentials'] }],
]);

function choose(requirements: SecurityRequirement[] | undefined, available: string[], supplied: string[] = []) {
  const choice = chooseRequirement({
    requirements,
    schemes,
    suppliedByStep: (s) => supplied.includes(s.name),
    hasCredential: (s) => available.includes(s.name),
  });
  return choice.kind === 'apply' ? { apply: choice.schemes.map((c) => [c.scheme.name, ...c.scopes].join(':')) } : choice;
}

describe('choosing a security requirement', () => {
  it('does nothing when the operation declares none, or an empty list', () => {
    expect(choose(undefined, ['bearer'])).toEqual({ kind: 'none' });
    expect(choose([], ['bearer'])).toEqual({ kind: 'none' });
  });

  it('takes the first alternative whose credentials are all available, in document order', () => {
    expect(choose([{ bearer: [] }, { key: [] }], ['bearer', 'key'])).toEqual({ apply: ['bearer'] });
    expect(choose([{ bearer: [] }, { key: [] }], ['key'])).toEqual({ apply: ['key'] });
  });

  it('applies every scheme of a combined requirement, with its scopes, and skips one whose schemes are not all available', () => {
    const reqs = [{ key: [], tenant: [] }, { oauth: ['read', 'write'] }];
    expect(choose(reqs, ['key', 'tenant'])).toEqual({ apply: ['key', 'tenant'] });
    expect(choose(reqs, ['key', 'oauth'])).toEqual({ apply: ['oauth:read:write'] });
  });

  it('treats {} as optional authentication: credentials are still sent when some alternative can be met', () => {
    expect(choose([{}, { bearer: [] }], ['bearer'])).toEqual({ apply: ['bearer'] });
    expect(choose([{}, { bearer: [] }], [])).toEqual({ kind: 'none' });
    expect(choose([{ bearer: [] }, {}], [])).toEqual({ kind: 'none' });
  });

  it('reports the schemes that had no credential when nothing can be met and auth is not optional', () => {
    expect(choose([{ bearer: [] }, { key: [], tenant: [] }], ['key'])).toEqual({ kind: 'unsatisfied', missing: [['bearer'], ['tenant']] });
  });

  it('adds nothing when the step supplies one requirement itself, even if credentials exist for another', () => {
    expect(choose([{ key: [] }, { bearer: [] }], ['key'], ['bearer'])).toEqual({ kind: 'none' });
  });

  it('counts a scheme the step supplies as met and adds only the rest of its requirement', () => {
    expect(choose([{ key: [], tenant: [] }], ['tenant'], ['key'])).toEqual({ apply: ['tenant'] });
  });

  it('never meets a requirement naming a scheme the description does not define', () => {
    expect(choose([{ ghost: [] }, { key: [] }], ['key', 'ghost'])).toEqual({ apply: ['key'] });
    expect(choose([{ ghost: [] }], ['ghost'])).toEqual({ kind: 'unsatisfied', missing: [['ghost']] });
  });
});
