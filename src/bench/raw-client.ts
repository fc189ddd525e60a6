/**
 * The bare undici script the `cli-run` benchmark spawns next to `arazzo run`:
 * `node dist/bench/raw-client.js <baseUrl> <queue> <name> <polls>` makes the same requests as the
 * `createAndPoll` workflow and prints the final state.
 */
import { rawCreateAndPoll } from './raw.js';

const [base, queue, name, polls] = process.argv.slice(2);
if (!base || !queue || !name || !polls) {
  process.stderr.write('usage: node dist/bench/raw-client.js <baseUrl> <queue> <name> <polls>\n');
  process.exit(2);
}
const state = await rawCreateAndPoll(base, queue, name, Number(polls));
process.stdout.write(`${state}\n`);
