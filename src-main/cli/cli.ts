import { ApiError } from '../../src-common/api/errors';
import { askCommand } from './ask';
import { batchCommand } from './batch';
import { type Command, parseCommandArgs, UsageError } from './command';
import { evalCommand } from './eval';
import { exportCommand } from './export';
import { importCommand } from './import';
import { infoCommand } from './info';
import { modelsCommand } from './models';
import { isSystemError, publicMessage } from './public-error';
import { serveCommand } from './serve';

/** Every command of `npm run diffa -- <command>`; later features register theirs here. */
const commands: Command[] = [serveCommand, askCommand, evalCommand, modelsCommand, infoCommand, batchCommand, exportCommand, importCommand];

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: npm run diffa -- <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Every command takes --home DIR (or the DIFFA_HOME environment variable) to choose the app data folder,',
    'and --help for its own options.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(overview());
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`Unknown command "${name}".\n\n${overview()}`);
    return 2;
  }
  try {
    const { values, positionals } = parseCommandArgs(command, rest);
    if (values.help) {
      console.log(command.usage);
      return 0;
    }
    return await command.run(values, positionals);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ApiError || isSystemError(error)) {
      console.error(`diffa ${command.name}: ${publicMessage(error.message)}`);
      return 1;
    }
    throw error;
  }
}
