#!/usr/bin/env node
/** The `arazzo` executable (package.json "bin"). */
import module from 'node:module';

// Node 22.1+ can cache compiled code between runs, which shortens every start-up; it must be
// enabled before the CLI's modules load, hence the dynamic import below. Older Nodes skip it.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

function exit(code: number): void {
  // Let piped stdout/stderr drain before leaving, then exit even if keep-alive sockets linger.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

const [{ cli }, { processIo }, { exitCodeFor }] = await Promise.all([import('./cli.js'), import('./io.js'), import('./errors.js')]);

cli(process.argv.slice(2), processIo()).then(exit, (err: unknown) => {
  process.stderr.write(
    `arazzo: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\nPlease report this with the command you ran.\n`,
  );
  exit(exitCodeFor(err));
});
