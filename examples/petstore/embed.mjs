// Run the pet store workflows from your own program. Run it with
// `npm run build && node examples/petstore/embed.mjs`.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { loadArazzo, runWorkflow } from 'arazzo-engine';

// Start the example server on a free port; it prints its base URL first.
const server = spawn(process.execPath, [new URL('./server.mjs', import.meta.url).pathname, '0', '--retry-after', '0'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const [firstChunk] = await once(server.stdout, 'data');
const baseUrl = String(firstChunk).split('\n')[0].trim();

try {
  const doc = await loadArazzo(new URL('./petstore.arazzo.yaml', import.meta.url));
  for (const w of doc.warnings) console.error(`warning ${w.code}: ${w.message}`);

  const options = {
    servers: { petstore: baseUrl },
    signal: AbortSignal.timeout(30_000),
    onEvent: (event) => {
      if (event.type === 'action.taken') console.log(`  action ${event.action?.type ?? ''} ${event.action?.name ?? ''}`);
    },
  };

  const found = await runWorkflow(doc, 'find-pets', { status: ['available'], tags: [] }, options);
  console.log('find-pets', found.status, found.outputs);

  const adopted = await runWorkflow(doc, 'adopt-pet', { password: 's3cret', petName: 'Nala' }, options);
  console.log('adopt-pet', adopted.status, adopted.outputs);
  if (adopted.error) console.log(adopted.error.code, adopted.error.message);
  process.exitCode = found.status === 'succeeded' && adopted.status === 'succeeded' ? 0 : 1;
} finally {
  server.kill();
}
