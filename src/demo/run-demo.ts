/**
 * What `npm run demo` does, as a function: start the Hugging Face Inference Endpoints simulator on
 * a free loopback port with time compressed, run the production deploy-and-wait workflow against it
 * with the `arazzo` CLI (its entry function, in this process), close the simulator, and return the
 * CLI's exit code. Tests call it with an in-memory io; src/demo/demo.ts calls it with the process's.
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli } from '../cli/cli.js';
import type { CliIo } from '../cli/io.js';
import type { Clock } from '../engine/types.js';
import { startSimulator } from '../simulator/index.js';

export const WORKFLOW = fileURLToPath(new URL('../../workflows/hugging-face-deploy-and-wait-workflow.yml', import.meta.url));
/** Simulated time runs this many times faster than real time: pending 10 s + initializing 90 s take 2 s. */
export const TIME_SCALE = 50;
const TOKEN = 'hf_demo_simulator_token';
const NAMESPACE = 'demo';

export interface DemoOptions {
  /** Override the time compression. */
  readonly timeScale?: number;
  /**
   * The clock of both the simulator and the run (tests pass a simulated one, so a deployment takes
   * no real time and polls the same number of times on every run). Default: the system clock.
   */
  readonly clock?: Clock;
}

/** `args`: `--fail-deploy` makes the deployment end `failed`; every other argument is passed to `arazzo run`. */
export async function runDemo(args: readonly string[], io: CliIo, options: DemoOptions = {}): Promise<number> {
  const failDeploy = args.includes('--fail-deploy');
  const passThrough = args.filter((a) => a !== '--fail-deploy');
  const timeScale = options.timeScale ?? TIME_SCALE;

  const sim = await startSimulator({
    tokens: [TOKEN],
    namespaces: [NAMESPACE],
    timeScale,
    faults: failDeploy ? { failDeploy: true } : {},
    ...(options.clock ? { clock: options.clock } : {}),
  });
  try {
    io.stderr.write(
      `Simulator of the Hugging Face Inference Endpoints API on ${sim.url} ` +
        `(pending 10 s + initializing 90 s, compressed ${timeScale}x${failDeploy ? '; this deployment will fail' : ''})\n\n`,
    );
    const argv = [
      'run',
      // Shown and run relative to the working directory (`workflows/…` under `npm run demo`).
      relative(process.cwd(), WORKFLOW) || WORKFLOW,
      '--server',
      `inferenceEndpointsApi=${sim.url}`,
      '--input',
      `namespace=${NAMESPACE}`,
      '--input',
      'name=demo-gpt2',
      '--input',
      'repository=openai-community/gpt2',
      '--input',
      'pollIntervalSeconds=0.25',
      '--input',
      'maxWaitSeconds=60',
      '--input-env',
      'hfToken=HF_TOKEN',
      ...passThrough,
    ];
    io.stderr.write(`$ arazzo ${argv.join(' ')}\n\n`);
    // The token reaches the CLI the way a user's would: through the environment, never on the command line.
    return await cli(argv, { ...io, env: { ...io.env, HF_TOKEN: TOKEN }, ...(options.clock ? { clock: options.clock } : {}) });
  } finally {
    await sim.close();
  }
}
