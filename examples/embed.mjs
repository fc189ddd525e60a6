// Run the production deploy-and-wait workflow from your own program, against the bundled
// Hugging Face simulator. Run it with `npm run build && node examples/embed.mjs`.
import { loadArazzo, runWorkflow } from 'arazzo-engine';
import { startSimulator } from 'arazzo-engine/simulator';

// A local stand-in for https://api.endpoints.huggingface.cloud; drop it (and `servers` below) to
// talk to the real API with a real token.
const simulator = await startSimulator({ durations: { pendingMs: 0, initializingMs: 0 } });

try {
  // Load once: parsing, validation, source resolution and expression compilation happen here.
  const doc = await loadArazzo(new URL('../workflows/hugging-face-deploy-and-wait-workflow.yml', import.meta.url));

  const result = await runWorkflow(
    doc,
    'deploy-and-wait',
    { hfToken: 'hf_simulator_token', namespace: 'demo', name: 'embedded-gpt2', repository: 'openai-community/gpt2' },
    {
      servers: { inferenceEndpointsApi: simulator.url },
      limits: { timeoutMs: 20 * 60_000 },
      signal: AbortSignal.timeout(60_000),
      // Events arrive with secrets already masked: the token never shows here.
      onEvent: (event) => {
        if (event.type === 'step.finished') {
          const { stepId, outcome, statusCode, durationMs } = event.record;
          console.log(`${stepId} ${outcome} HTTP ${statusCode} in ${durationMs} ms`);
        }
      },
    },
  );

  console.log(result.status, result.outputs);
  process.exitCode = result.status === 'succeeded' ? 0 : 1;
} finally {
  await simulator.close();
}
