import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const entry = join(import.meta.dirname, '..', '..', 'cli', 'main.ts');

/** `diffa models <args>` as a user runs it, in its own process, against `endpoint` with `home` as the app folder. */
export function runModelsCli(home: string, endpoint: string, args: string[]): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, 'models', ...args], {
    env: { ...process.env, DIFFA_HOME: home, HF_ENDPOINT: endpoint, HF_TOKEN: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<CliResult>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}
