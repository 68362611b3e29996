import { type ParseArgsConfig, parseArgs } from 'node:util';

/** One CLI command: `npm run diffa -- <name> …`. Each has its own `--help`. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(values: Record<string, unknown>, positionals: string[]): Promise<number>;
}

/** A failure the user can fix: printed as one line, exit code 1, no stack trace. */
export class UsageError extends Error {}

export const GLOBAL_OPTIONS = {
  home: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs(command: Command, argv: string[]) {
  try {
    return parseArgs({ args: argv, options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${command.usage}`);
  }
}

/** A `--start`/`--end` style flag: a non-negative number of seconds, or null when not given. */
export function secondsOption(values: Record<string, unknown>, flag: string): number | null {
  const raw = values[flag];
  if (raw === undefined) return null;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new UsageError(`--${flag} must be a time in seconds, not "${raw}"`);
  return value;
}
