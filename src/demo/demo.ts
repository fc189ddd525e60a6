/**
 * `npm run demo`: start the Hugging Face Inference Endpoints simulator on a free loopback port (time
 * compressed 50x), run the production deploy-and-wait workflow against it with the real `arazzo`
 * CLI, and exit with the CLI's exit code.
 *
 *   npm run demo                    # deploys, polls, prints progress and the outputs
 *   npm run demo -- --fail-deploy   # the deployment ends `failed`: exit code 1 and the server's message
 *   npm run demo -- --json          # any other flag is passed to `arazzo run`
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startSimulator } from '../simulator/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const WORKFLOW = 'workflows/hugging-face-deploy-and-wait-workflow.yml';
const TOKEN = 'hf_demo_simulator_token';
const NAMESPACE = 'demo';
const TIME_SCALE = 50;

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const failDeploy = args.includes('--fail-deploy');
  const passThrough = args.filter((a) => a !== '--fail-deploy');

  const sim = await startSimulator({
    tokens: [TOKEN],
    namespaces: [NAMESPACE],
    timeScale: TIME_SCALE,
    faults: failDeploy ? { failDeploy: true } : {},
  });
  process.stderr.write(
    `Simulator of the Hugging Face Inference Endpoints API on ${sim.url} ` +
      `(pending 10 s + initializing 90 s, compressed ${TIME_SCALE}x${failDeploy ? '; this deployment will fail' : ''})\n\n`,
  );

  const cliArgs = [
    CLI,
    'run',
    WORKFLOW,
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
  process.stderr.write(`$ arazzo ${cliArgs.slice(1).join(' ')}\n\n`);

  const child = spawn(process.execPath, cliArgs, {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, HF_TOKEN: TOKEN },
  });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const code = await new Promise<number>((resolve) => {
    child.on('error', (err) => {
      process.stderr.write(`demo: cannot start the CLI (${err.message}); run "npm run build" first.\n`);
      resolve(2);
    });
    child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal === 'SIGINT' ? 130 : 1)));
  });
  await sim.close();
  return code;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`demo: ${err.message}\n`);
    process.exit(2);
  },
);
