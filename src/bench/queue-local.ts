/**
 * The in-process floor of the `queue` benchmark: `node dist/bench/queue-local.js <simulatorUrl>
 * <runs> <pollIntervalSeconds> <warmUpRuns>` runs the same production deploy runs as the queue
 * (after `warmUpRuns` unmeasured ones, as the workers had), all at once in
 * this one process with `runWorkflow` (the default transport, as the workers use), and prints their CPU, wall time and step executions as JSON.
 */
import { loadArazzo, runWorkflow } from '../index.js';
import { fromRoot } from './harness.js';

const [simUrl, runsArg, pollArg, warmArg] = process.argv.slice(2);
const runs = Number(runsArg);
const doc = await loadArazzo(fromRoot('workflows/hugging-face-deploy-and-wait-workflow.yml'));
const many = (count: number, name: string) =>
  Promise.all(
    Array.from({ length: count }, (_, i) =>
      runWorkflow(
        doc,
        'deploy-and-wait',
        { hfToken: process.env.HF_TOKEN, namespace: 'acme', name: `${name}-${i}`, repository: 'gpt2', pollIntervalSeconds: Number(pollArg) },
        { servers: { inferenceEndpointsApi: simUrl as string } },
      ),
    ),
  );
await many(Number(warmArg), 'lw');
const cpu = process.cpuUsage();
const start = performance.now();
const results = await many(runs, 'l');
const wallMs = performance.now() - start;
const used = process.cpuUsage(cpu);
const failed = results.filter((r) => r.status !== 'succeeded');
process.stdout.write(
  `${JSON.stringify({
    wallMs,
    cpuMs: (used.user + used.system) / 1000,
    steps: results.reduce((n, r) => n + r.stepExecutions, 0),
    failed: failed.length,
    firstError: failed[0]?.error?.message,
  })}\n`,
);
process.exit(0);
