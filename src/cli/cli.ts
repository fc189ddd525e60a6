/**
 * `arazzo <command> …`: argv in, exit code out. Only this file, the argv parser and the help
 * text load eagerly; each command is imported when it runs.
 */
import { parseArgv, type ParsedArgs } from './args.js';
import { COMMANDS, COMMAND_NAMES, commandHelp, mainHelp, type CommandName } from './commands.js';
import { CliError, exitCodeFor, isReportableError } from './errors.js';
import { packageVersion, type CliIo } from './io.js';
import { usageError } from './report.js';
import { didYouMean } from '../util/suggest.js';

export async function cli(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help') {
    (first === undefined ? io.stderr : io.stdout).write(mainHelp(packageVersion()));
    return exitCodeFor(first === undefined ? { code: 'CLI_USAGE' } : undefined);
  }
  if (first === '-V' || first === '--version' || first === 'version') {
    io.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (first === 'help') {
    const topic = rest[0];
    if (topic === undefined) {
      io.stdout.write(mainHelp(packageVersion()));
      return 0;
    }
    if (!isCommand(topic)) return usageError(io, unknownCommand(topic));
    io.stdout.write(commandHelp(COMMANDS[topic]));
    return 0;
  }
  if (!isCommand(first)) return usageError(io, unknownCommand(first));

  const spec = COMMANDS[first];
  let args: ParsedArgs;
  try {
    args = parseArgv(rest, spec.flags, first);
  } catch (err) {
    return usageError(io, err as CliError, first === 'run' && rest.includes('--json'));
  }
  if (args.values.help === true) {
    io.stdout.write(commandHelp(spec));
    return 0;
  }
  const json = args.values.json === true;
  try {
    if (first === 'test') {
      if (args.positionals.length === 0)
        throw new CliError('CLI_USAGE', `"arazzo test" needs Arazzo documents, directories or glob patterns. Usage: ${spec.usage}`);
      const { enableReadCache } = await import('./document.js');
      enableReadCache(io.env);
      const { testCommand } = await import('./test-command.js');
      return await testCommand(args.positionals, args.values, io);
    }
    if (first === 'worker' || first === 'status' || first === 'cancel') {
      const { queueCommand } = await import('./queue-commands.js');
      return await queueCommand(first, args.positionals, args.values, io);
    }
    if (args.positionals.length === 0) {
      throw new CliError('CLI_USAGE', `"arazzo ${first}" needs the path or URL of an Arazzo document. Usage: ${spec.usage}`);
    }
    if (first === 'mcp') {
      const { checkDocumentPath } = await import('./document.js');
      for (const file of args.positionals) await checkDocumentPath(file);
      const { mcpCommand } = await import('../mcp/command.js');
      return await mcpCommand(args.positionals, args.values, io);
    }
    if (args.positionals.length > 1) {
      const extra = args.positionals
        .slice(1)
        .map((p) => `"${p}"`)
        .join(', ');
      throw new CliError('CLI_USAGE', `"arazzo ${first}" takes one document; unexpected ${extra}. Flags take their value after them, e.g. --input name=value.`);
    }
    const file = args.positionals[0]!;
    const { checkDocumentPath, enableReadCache } = await import('./document.js');
    enableReadCache(io.env); // parsed documents and descriptions are kept on disk, so the next start skips the parsers
    await checkDocumentPath(file);
    const command: Exclude<CommandName, 'test'> = first;
    switch (command) {
      case 'run': {
        const { runCommand } = await import('./run.js');
        return await runCommand(file, args.values, io);
      }
      case 'validate': {
        const { validateCommand } = await import('./validate.js');
        return await validateCommand(file, json, io, args.values);
      }
      case 'list': {
        const { listCommand } = await import('./list-command.js');
        return await listCommand(file, json, io, args.values);
      }
      case 'graph': {
        const { graphCommand } = await import('./list-command.js');
        return await graphCommand(file, args.values, io);
      }
      case 'submit': {
        const { submitCommand } = await import('./queue-submit.js');
        return await submitCommand(file, args.values, io);
      }
    }
  } catch (err) {
    if (isReportableError(err)) return usageError(io, err, json && (first === 'run' || first === 'submit'));
    throw err;
  }
}

function isCommand(name: string): name is CommandName {
  return (COMMAND_NAMES as string[]).includes(name);
}

function unknownCommand(name: string): CliError {
  const hint = name.startsWith('-') ? didYouMean(name, ['--help', '--version']) : didYouMean(name, COMMAND_NAMES);
  return new CliError('CLI_UNKNOWN_COMMAND', `Unknown command "${name}".${hint} Commands: ${COMMAND_NAMES.join(', ')}. Run "arazzo --help" for usage.`);
}
