/**
 * The in-process floor of the `queue` benchmark: `node dist/bench/queue-local.js <simulatorUrl>
 * <runs> <pollIntervalSeconds>` runs the same production deploy runs as the queue, all at once in
 * this one process with `runWorkflow` (the default transport, as the workers use), and prints their CPU, wall time and step executions as JSON.
 */
import { loadArazzo, runWorkflow } from '../index.js';
import { fromRoot } from './harness.js';

const [simUrl, runsArg, pollArg] = process.argv.slice(2);
const runs = Number(runsArg);
const doc = await loadArazzo(fromRoot('workflows/hugging-face-deploy-and-wait-workflow.yml'));
const cpu = process.cpuUsage();
const start = performance.now();
const results = await Promise.all(
  Array.from({ length: runs }, (_, i) =>
    runWorkflow(
      doc,
      'deploy-and-wait',
      { hfToken: process.env.HF_TOKEN, namespace: 'acme', name: `l-${i}`, repository: 'gpt2', pollIntervalSeconds: Number(pollArg) },
      { servers: { inferenceEndpointsApi: simUrl as string } },
    ),
  ),
);
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
