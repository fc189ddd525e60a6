/**
 * `npm run demo`: start the Hugging Face Inference Endpoints simulator on a free loopback port (time
 * compressed 50x), run the production deploy-and-wait workflow against it with the `arazzo` CLI, and
 * exit with the CLI's exit code. See run-demo.ts.
 *
 *   npm run demo                    # deploys, polls, prints progress and the outputs
 *   npm run demo -- --fail-deploy   # the deployment ends `failed`: exit code 1 and the server's message
 *   npm run demo -- --json          # any other flag is passed to `arazzo run`
 */
import { processIo } from '../cli/io.js';
import { runDemo } from './run-demo.js';

function exit(code: number): void {
  // Let piped stdout/stderr drain before leaving, as the `arazzo` executable does.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

runDemo(process.argv.slice(2), processIo()).then(exit, (err: unknown) => {
  process.stderr.write(`demo: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  exit(2);
});
