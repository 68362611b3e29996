import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineChannel, EngineLauncher } from './engine-client';

/**
 * Where the engine's entry script is: beside this file when running from source (through tsx), or the bundled
 * `engine-main.js` beside the bundled caller in dist/main.
 */
export function engineEntry(): { script: string; execArgv: string[] } {
  const here = dirname(fileURLToPath(import.meta.url));
  const source = join(here, 'engine-main.ts');
  if (existsSync(source)) return { script: source, execArgv: ['--import', 'tsx'] };
  return { script: join(here, 'engine-main.js'), execArgv: [] };
}

/** Environment the engine process reads: where to keep its cache of verified model files. */
export const engineEnv = (cacheDir: string) => ({ DIFFA_ENGINE_CACHE: cacheDir });

/** Starts the engine as a forked Node child (headless host, CLI, tests). The Electron shell uses utilityProcess. */
export const forkEngine =
  (env: Record<string, string> = {}): EngineLauncher =>
  () => {
    const { script, execArgv } = engineEntry();
    const child = fork(script, [], { execArgv, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    // A message sent just as the child dies fails with EPIPE; the 'exit' event that follows is what reports the crash.
    child.on('error', () => undefined);
    const channel: EngineChannel = {
      get pid() {
        return child.pid ?? null;
      },
      postMessage: (message) => {
        if (child.connected) child.send(message as never, (error) => error && child.kill('SIGKILL'));
      },
      onMessage: (listener) => child.on('message', listener),
      onExit: (listener) => child.on('exit', listener),
      kill: () => child.kill(),
    };
    return channel;
  };
