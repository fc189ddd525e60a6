/**
 * Documents travel with a run (src/queue/bundle.ts): submitting records every resource the load
 * reads, and a worker without the files loads the same document from the record alone. It reads
 * no local file of its own, and a remote URL the record lacks only under the submit's allowlist.
 * No Redis needed: the texts are handed over in memory here.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type BundleManifest, loadFromManifest, prepareDocument } from '../src/queue/bundle.js';
import type { Resource } from '../src/reader/resource.js';
import { DocumentError } from '../src/errors.js';
import { ROOT } from './cli-helpers.js';

function copyShipped(): string {
  const dir = mkdtempSync(join(tmpdir(), 'arazzo-bundle-'));
  mkdirSync(join(dir, 'workflows'));
  cpSync(join(ROOT, 'workflows', 'hugging-face-deploy-and-wait-workflow.yml'), join(dir, 'workflows', 'deploy.yml'));
  cpSync(join(ROOT, 'openapi'), join(dir, 'openapi'), { recursive: true });
  return dir;
}

describe('document bundles', () => {
  it('load on a machine without the files, from what the submit read', async () => {
    const dir = copyShipped();
    const prepared = await prepareDocument(join(dir, 'workflows', 'deploy.yml'));
    rmSync(dir, { recursive: true, force: true }); // the "other machine": the files are gone
    const manifest = JSON.parse(prepared.manifest) as BundleManifest;
    expect(Object.keys(manifest.resources).map((u) => u.slice(u.lastIndexOf('/') + 1))).toEqual([
      'hugging-face-endpoint-inference-api.yml',
      'hugging-face-inference-endpoints-api.yml',
      'deploy.yml',
    ]);
    const doc = await loadFromManifest(manifest, prepared.id, prepared.texts);
    expect([...doc.workflows.keys()]).toEqual(['deploy-and-wait']);
    expect([...doc.sources.keys()]).toEqual([...prepared.doc.sources.keys()]);
    // The same content prepared again is the same bundle.
    const again = await loadFromManifest(manifest, prepared.id, prepared.texts);
    expect(again.workflows.get('deploy-and-wait')?.steps.map((s) => s.stepId)).toEqual(doc.workflows.get('deploy-and-wait')?.steps.map((s) => s.stepId));
  });

  it('the same files give the same bundle id; one changed byte gives another', async () => {
    const dir = copyShipped();
    try {
      const a = await prepareDocument(join(dir, 'workflows', 'deploy.yml'));
      const b = await prepareDocument(join(dir, 'workflows', 'deploy.yml'));
      expect(b.id).toBe(a.id);
      writeFileSync(join(dir, 'openapi', 'hugging-face-endpoint-inference-api.yml'), '# changed\n', { flag: 'a' });
      const c = await prepareDocument(join(dir, 'workflows', 'deploy.yml'));
      expect(c.id).not.toBe(a.id);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a worker refuses a local file the bundle does not hold', async () => {
    const dir = copyShipped();
    try {
      const prepared = await prepareDocument(join(dir, 'workflows', 'deploy.yml'));
      const manifest = JSON.parse(prepared.manifest) as BundleManifest;
      const resources = { ...manifest.resources };
      const dropped = Object.keys(resources).find((u) => u.endsWith('hugging-face-inference-endpoints-api.yml')) as string;
      delete resources[dropped];
      // The file still exists on this machine, but the worker must not read it.
      const err = await loadFromManifest({ ...manifest, resources }, prepared.id, prepared.texts).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DocumentError);
      expect(JSON.stringify((err as DocumentError).problems)).toContain('is not among the documents submitted with this run');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fetches a remote source the bundle lacks only under the allowlist the document was submitted with', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arazzo-bundle-remote-'));
    try {
      const api = join(ROOT, 'openapi', 'hugging-face-endpoint-inference-api.yml');
      const remote = 'https://specs.example.com/endpoint-api.yml';
      writeFileSync(
        join(dir, 'flow.yml'),
        [
          'arazzo: 1.0.1',
          'info: { title: remote source, version: 1.0.0 }',
          'sourceDescriptions:',
          `  - { name: api, url: '${remote}', type: openapi }`,
          'workflows:',
          '  - workflowId: probe',
          '    steps:',
          '      - { stepId: health, operationId: getHealth }',
          '',
        ].join('\n'),
      );
      const served = readFileSync(api, 'utf8');
      // At submit, the remote description is served by an interceptor (no network in tests).
      const serve = async (url: URL, next: () => Promise<Resource>): Promise<Resource> => (url.href === remote ? { url, text: served } : next());
      const prepared = await prepareDocument(join(dir, 'flow.yml'), { allowHosts: ['specs.example.com'], intercept: serve });
      const manifest = JSON.parse(prepared.manifest) as BundleManifest;
      expect(manifest.allowHosts).toEqual(['specs.example.com']);
      expect(Object.keys(manifest.resources)).toContain(remote);
      // With the text in the bundle, the worker loads it without any request.
      await expect(loadFromManifest(manifest, prepared.id, prepared.texts)).resolves.toBeDefined();
      // Without it, the worker would fetch: a host outside the submit's allowlist is refused before any connection.
      const resources = { ...manifest.resources };
      delete resources[remote];
      const err = await loadFromManifest({ ...manifest, resources, allowHosts: ['elsewhere.example'] }, prepared.id, prepared.texts).catch((e: unknown) => e);
      expect((err as DocumentError).problems?.map((p) => p.code)).toContain('SOURCE_HOST_NOT_ALLOWED');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an in-memory document travels as its JSON, with the base its relative sources resolve against', async () => {
    const dir = copyShipped();
    const { parse } = await import('yaml');
    const object = parse(readFileSync(join(dir, 'workflows', 'deploy.yml'), 'utf8')) as object;
    const prepared = await prepareDocument(object, { baseUri: pathToFileURL(join(dir, 'workflows', '/')).href });
    rmSync(dir, { recursive: true, force: true });
    const manifest = JSON.parse(prepared.manifest) as BundleManifest;
    expect('object' in manifest.root).toBe(true);
    const doc = await loadFromManifest(manifest, prepared.id, prepared.texts);
    expect([...doc.workflows.keys()]).toEqual(['deploy-and-wait']);
  });
});
