/**
 * The queue commands: `arazzo submit`, `status`, `cancel` (in-process, as the executable runs
 * them) and `arazzo worker` (its flags; the crash tests run it as a process). Usage errors need no
 * Redis; the rest runs on ARAZZO_TEST_REDIS_URL with a worker in this process.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArazzoWorker, type ArazzoWorker } from '../src/queue/index.js';
import { startSimulator, type Simulator } from '../src/simulator/index.js';
import { cli } from '../src/cli/cli.js';
import { COMMANDS } from '../src/cli/commands.js';
import { fakeIo, ROOT, runCli } from './cli-helpers.js';
import { DEPLOY, deleteKeys, redisUrl, testPrefix, TOKEN, until } from './queue-helpers.js';

const deployArgs = (name: string, extra: string[] = []) => [
  DEPLOY,
  '--input',
  'namespace=acme',
  '--input',
  `name=${name}`,
  '--input',
  'repository=gpt2',
  '--input-env',
  'hfToken=HF_TOKEN',
  ...extra,
];

describe('queue commands: usage (no Redis needed)', () => {
  it('asks which Redis when neither --redis nor ARAZZO_REDIS_URL is given', async () => {
    for (const argv of [['submit', ...deployArgs('x')], ['status', 'some-run'], ['cancel', 'some-run'], ['worker']]) {
      const r = await runCli(argv);
      expect(r.code, argv[0]).toBe(2);
      expect(r.stderr).toContain('error CLI_USAGE: Which Redis? Give --redis redis://host:6379 or set ARAZZO_REDIS_URL.');
    }
  });

  it('refuses bad flags and a missing run id before connecting', async () => {
    const redis = ['--redis', 'redis://127.0.0.1:1'];
    const cases: Array<[string[], string]> = [
      [['status', ...redis], 'needs one run id'],
      [['worker', ...redis, '--concurrency', '0'], '--concurrency must be a whole number of at least 1'],
      [['worker', ...redis, '--events', 'some'], '--events must be all, steps or none'],
      [['worker', ...redis, '--stall-timeout', '0'], '--stall-timeout is in seconds'],
      [['submit', ...deployArgs('x'), '--redis', 'http://127.0.0.1:6379'], '--redis must be a redis:// or rediss:// URL'],
      [['submit', ...deployArgs('x', ['--input-env', 'name=NAME']), ...redis], 'was given more than once'],
    ];
    for (const [argv, message] of cases) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
    }
  });

  it('refuses a secret input given as a value: it would reach Redis', async () => {
    const r = await runCli([
      'submit',
      DEPLOY,
      '--input',
      'namespace=acme',
      '--input',
      'name=x',
      '--input',
      'repository=gpt2',
      '--input',
      'hfToken=hf_abc',
      '--redis',
      'redis://127.0.0.1:1',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error QUEUE_SECRET_LITERAL: Input "hfToken" of workflow "deploy-and-wait" is a secret');
    expect(r.stderr).toContain('--input-env hfToken=HF_TOKEN');
    expect(r.stderr).not.toContain('hf_abc');
  });

  it('names the missing inputs, and the unreachable Redis, with exit 2 and 1', async () => {
    const missing = await runCli(['submit', DEPLOY, '--input', 'namespace=acme', '--redis', 'redis://127.0.0.1:1']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('needs the inputs hfToken, name, repository');
    const down = await runCli(['submit', ...deployArgs('x'), '--redis', 'redis://127.0.0.1:1']);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('error QUEUE_REDIS_UNAVAILABLE: Redis at 127.0.0.1:1 is not reachable');
  });

  it('is importable as arazzo-engine/queue', () => {
    const probe = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', "const q = await import('arazzo-engine/queue'); console.log(typeof q.createArazzoQueue, typeof q.createArazzoWorker)"],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(probe.stderr).toBe('');
    expect(probe.stdout.trim()).toBe('function function');
  });

  it('lists the queue commands in the help', async () => {
    const r = await runCli(['--help']);
    for (const command of ['worker', 'submit', 'status', 'cancel']) expect(r.stdout).toMatch(new RegExp(`\\n  ${command} +\\S`));
  });
});

describe.skipIf(!redisUrl)('queue commands on Redis', () => {
  const prefix = testPrefix('cli');
  const url = redisUrl as string;
  let sim: Simulator;
  let worker: ArazzoWorker;
  const env = { ARAZZO_REDIS_URL: url };
  const target = ['--prefix', prefix];

  beforeAll(async () => {
    sim = await startSimulator({ tokens: [TOKEN], namespaces: ['acme'], timeScale: 1000, faults: { failDeploy: ['broken'] } });
    worker = createArazzoWorker({ connection: url, prefix, env: { HF_TOKEN: TOKEN }, delayThresholdMs: 100 });
    await worker.waitUntilReady();
  });
  afterAll(async () => {
    await worker?.close();
    await sim?.close();
    await deleteKeys(url, prefix);
  });

  const server = (poll = 0.05) => ['--server', `inferenceEndpointsApi=${sim.url}`, '--input', `pollIntervalSeconds=${poll}`];

  it('submit --wait shows the progress and report of "arazzo run" and exits like it', async () => {
    const r = await runCli(['submit', ...deployArgs('cli-wait', server()), ...target, '--wait', '--json', '--run-id', 'cli-wait-1'], { env });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { runId: string; status: string; steps: Array<{ stepId: string }>; outputs: Record<string, unknown> };
    expect(report).toMatchObject({
      runId: 'cli-wait-1',
      workflowId: 'deploy-and-wait',
      status: 'succeeded',
      outputs: { endpointName: 'cli-wait', state: 'running' },
    });
    expect(report.steps[0]?.stepId).toBe('createEndpoint');
    expect(report.steps.at(-1)?.stepId).toBe('probeHealth');
    expect(r.stderr).toContain('queued deploy-and-wait as run cli-wait-1');
    expect(r.stderr).toMatch(/✔ createEndpoint {2}POST \/v2\/endpoint\/acme {2}200/);
    expect(r.stderr).toContain('✔ deploy-and-wait succeeded');
    expect(r.stderr + r.stdout).not.toContain(TOKEN);

    const failed = await runCli(['submit', ...deployArgs('broken', server()), ...target, '--wait'], { env });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('deploy-and-wait failed at step waitUntilRunning');
  });

  it('submit prints the run id; status shows where the run is; cancel stops it', async () => {
    const submitted = await runCli(['submit', ...deployArgs('cli-cancel', server(120)), ...target], { env });
    expect(submitted.code, submitted.stderr).toBe(0);
    const runId = submitted.stdout.trim();
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);
    await until(async () => JSON.parse((await runCli(['status', runId, ...target, '--json'], { env })).stdout).state === 'delayed', 'the run to be parked');
    const status = await runCli(['status', runId, ...target], { env });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`run ${runId} \\(deploy-and-wait\\): delayed until \\d{4}-`));
    expect(status.stdout).toContain('at step     waitUntilRunning');
    const cancelled = await runCli(['cancel', runId, ...target], { env });
    expect(cancelled.code).toBe(0);
    expect(cancelled.stderr).toContain(`run ${runId} cancelled (it was waiting between steps; removed from the queue)`);
    const after = JSON.parse((await runCli(['status', runId, ...target, '--json'], { env })).stdout) as { state: string; result: { error: { code: string } } };
    expect(after).toMatchObject({ state: 'cancelled', result: { error: { code: 'RUN_CANCELLED' } } });
    const again = await runCli(['cancel', runId, ...target], { env });
    expect(again.stderr).toContain('had already finished (cancelled)');
    const unknown = await runCli(['status', 'no-such-run', ...target], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('error QUEUE_RUN_NOT_FOUND: No run "no-such-run"');
  });

  it('the --help examples of the queue commands run as written (under a key prefix of this test)', async () => {
    const examplePrefix = `${prefix}-examples`;
    const lines = (['worker', 'submit', 'status', 'cancel'] as const).flatMap((c) => COMMANDS[c].examples).filter((l) => !l.startsWith('#'));
    expect(lines).toHaveLength(6);
    const cwd = process.cwd();
    process.chdir(ROOT);
    try {
      for (const line of lines) {
        // A pipe belongs to the shell; --wait would wait for a worker that would call the real API.
        const argv = [
          ...line
            .replace(/ \| jq .*$/, '')
            .split(/\s+/)
            .slice(1)
            .filter((a) => a !== '--wait'),
          '--prefix',
          examplePrefix,
        ];
        const io = fakeIo({ ARAZZO_REDIS_URL: url, HF_TOKEN: 'hf_example_token_1234' });
        const running = cli(argv, io);
        if (argv[0] === 'worker') {
          // Started first, while the queue is empty, and stopped as SIGTERM would.
          await until(() => io.err.includes('taking runs from'), 'the example worker to start');
          io.interrupt('SIGTERM');
        }
        expect({ line, code: await running, err: io.err.includes('error') ? io.err : '' }).toEqual({ line, code: 0, err: '' });
        expect(io.out + io.err).not.toContain('hf_example_token_1234');
        if (argv[0] === 'submit' && !argv.includes('--run-id')) await runCli(['cancel', io.out.trim(), '--prefix', examplePrefix], { env });
      }
    } finally {
      process.chdir(cwd);
      await deleteKeys(url, examplePrefix);
    }
  });
});
