#!/usr/bin/env node
/** The `arazzo` executable (package.json "bin"). */
import { cli } from './cli.js';
import { processIo } from './io.js';

function exit(code: number): void {
  // Let piped stdout/stderr drain before leaving, then exit even if keep-alive sockets linger.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

cli(process.argv.slice(2), processIo()).then(exit, (err: unknown) => {
  process.stderr.write(`arazzo: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\nPlease report this with the command you ran.\n`);
  exit(1);
});
