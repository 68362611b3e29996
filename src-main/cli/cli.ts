import { ApiError } from '../../src-common/api/errors';
import { type Command, parseCommandArgs, UsageError } from './command';
import { isSystemError, publicMessage } from './public-error';

/**
 * Every command of `npm run diffa -- <command>`; later features register theirs here. Each is loaded when it runs,
 * so `diffa ask` does not parse the host, the downloader or the interchange codecs (whole-process start-up time).
 */
const commands: { name: string; load: () => Promise<Command> }[] = [
  { name: 'serve', load: async () => (await import('./serve')).serveCommand },
  { name: 'ask', load: async () => (await import('./ask')).askCommand },
  { name: 'eval', load: async () => (await import('./eval')).evalCommand },
  { name: 'models', load: async () => (await import('./models')).modelsCommand },
  { name: 'info', load: async () => (await import('./info')).infoCommand },
  { name: 'batch', load: async () => (await import('./batch')).batchCommand },
  { name: 'export', load: async () => (await import('./export')).exportCommand },
  { name: 'import', load: async () => (await import('./import')).importCommand },
];

async function overview(): Promise<string> {
  const loaded = await Promise.all(commands.map((c) => c.load()));
  const width = Math.max(...loaded.map((c) => c.name.length));
  return [
    'Usage: npm run diffa -- <command> [options]',
    '',
    'Commands:',
    ...loaded.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Every command takes --home DIR (or the DIFFA_HOME environment variable) to choose the app data folder,',
    'and --help for its own options.',
  ].join('\n');
}
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(await overview());
    return 0;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    console.error(`Unknown command "${name}".\n\n${await overview()}`);
    return 2;
  }
  const command = await entry.load();
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
