/**
 * Contract checks (`npm run bench -- contract`): the 100 workflows of 5 steps of
 * contract-fixture.ts, loaded from YAML with their OpenAPI 3.0 description, run with the contract
 * checks (the subject) and without (the baseline), in paired rounds:
 * 1. over loopback HTTP against a server in another process: CPU time of this process per step
 *    (target ≤ 1.3x);
 * 2. with a no-network transport (responses made once): the engine's own time per step, the
 *    harshest view of what validating every body costs next to the engine's few µs (no target).
 * Every response is checked for status, content type, body schema and a required header; every
 * request's path, query and header parameters and JSON body are read back and checked.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { stringify } from 'yaml';
import {
  createContractChecks,
  type HttpClient,
  type HttpRequest,
  type HttpResponse,
  type LoadedDocument,
  loadArazzo,
  type RunOptions,
  runWorkflow,
} from '../index.js';
import { arazzo, cannedResponse, openApi, STEPS, WORKFLOWS } from './contract-fixture.js';
import { fromRoot, pairedRatios, pairedRounds, type Sample, stats, us } from './harness.js';
import type { BenchContext } from './registry.js';
import { type Figure, ratioFigure } from './report.js';
import { spawnServer } from './server-process.js';

/** Every workflow `passes` times, 10 at a time; throws when a run fails or a check finds anything. */
async function runAll(doc: LoadedDocument, options: RunOptions, passes: number): Promise<void> {
  const ids = [...doc.workflows.keys()];
  for (let p = 0; p < passes; p++) {
    for (let i = 0; i < ids.length; i += 10) {
      const results = await Promise.all(ids.slice(i, i + 10).map((id) => runWorkflow(doc, id, {}, options)));
      const bad = results.find((r) => r.status !== 'succeeded' || r.checks !== undefined);
      if (bad) throw new Error(`contract bench run failed: ${JSON.stringify(bad.error ?? bad.checks)}`);
    }
  }
}

async function compare(
  ctx: BenchContext,
  doc: LoadedDocument,
  off: RunOptions,
  on: RunOptions,
  passes: number,
  pick: (s: Sample) => number,
): Promise<{ off: number; on: number; ratios: ReturnType<typeof stats> }> {
  const rounds = ctx.pick(15, 5);
  for (let i = 0; i < 2; i++) {
    await runAll(doc, off, passes);
    await runAll(doc, on, passes);
  }
  const paired = await pairedRounds(
    rounds,
    () => runAll(doc, off, passes),
    () => runAll(doc, on, passes),
    { collect: false },
  );
  const perStep = (xs: Sample[]) => stats(xs.map((s) => (pick(s) * 1000) / (WORKFLOWS * STEPS * passes))).median;
  return { off: perStep(paired.baseline), on: perStep(paired.subject), ratios: stats(pairedRatios(paired, pick)) };
}

export async function run(ctx: BenchContext): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'arazzo-bench-contract-'));
  const server = await spawnServer(fromRoot('dist/bench/contract-server.js'));
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: 16 });
  try {
    writeFileSync(join(dir, 'shop.openapi.yaml'), stringify(openApi()));
    writeFileSync(join(dir, 'shop.arazzo.yaml'), stringify(arazzo()));
    const doc = await loadArazzo(join(dir, 'shop.arazzo.yaml'));
    const compiling = performance.now();
    const checks = await createContractChecks(doc);
    ctx.log(`checks compiled once for the document in ${(performance.now() - compiling).toFixed(0)} ms`);

    const servers = { shop: server.url };
    const http = await compare(ctx, doc, { dispatcher: agent, servers }, { dispatcher: agent, servers, checks }, ctx.pick(2, 1), (s) => s.cpuMs);
    ctx.log(`loopback HTTP, CPU per step: checks off ${us(http.off)} µs, on ${us(http.on)} µs (+${us(http.on - http.off)} µs)`);

    // Responses made once, so the transport costs next to nothing and the engine's own time shows.
    const canned = new Map<string, HttpResponse>();
    const transport: HttpClient = {
      async send(req: HttpRequest): Promise<HttpResponse> {
        const key = `${req.method} ${req.url}`;
        let response = canned.get(key);
        if (!response) {
          const url = new URL(req.url);
          const { status, body } = cannedResponse(req.method, `${url.pathname}${url.search}`);
          response = { statusCode: status, headers: { 'content-type': 'application/json', 'x-rate-limit': '99' }, bodyText: body };
          canned.set(key, response);
        }
        return response;
      },
    };
    const local = { http: transport, servers: { shop: 'http://127.0.0.1:1' } };
    const alone = await compare(ctx, doc, local, { ...local, checks }, ctx.pick(10, 3), (s) => s.wallMs);
    ctx.log(`no-network transport, time per step: checks off ${us(alone.off)} µs, on ${us(alone.on)} µs (+${us(alone.on - alone.off)} µs)`);
    return [
      ratioFigure('contract checks on, CPU per step (loopback HTTP)', `${us(http.on)} µs`, `checks off ${us(http.off)} µs`, http.ratios, {
        op: '<=',
        value: 1.3,
      }),
      ratioFigure('contract checks on, time per step (no network)', `${us(alone.on)} µs`, `checks off ${us(alone.off)} µs`, alone.ratios),
    ];
  } finally {
    await agent.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
