/**
 * `npm run bench [-- name...]`: runs each benchmark module in turn. Every module prints its own
 * figures together with a ratio against a baseline measured in the same process.
 */
const ALL = ['expressions', 'load', 'engine', 'cli'] as const;

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !(ALL as readonly string[]).includes(w));
  if (unknown.length > 0) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; choose from: ${ALL.join(', ')}`);
    process.exit(2);
  }
  const names = wanted.length > 0 ? wanted : [...ALL];
  console.log(`node ${process.version}, ${process.platform}/${process.arch}, gc ${typeof globalThis.gc === 'function' ? 'exposed' : 'not exposed'}`);
  for (const name of names) {
    console.log(`\n== ${name}`);
    const mod = (await import(`./${name}.js`)) as { bench: () => Promise<void> };
    await mod.bench();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
