import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { utilityProcess } from 'electron';
import type { EngineChannel, EngineLauncher } from '../engine/engine-client';

/** The bundled engine entry, beside the bundled main process in dist/main. */
export const engineScript = () => join(dirname(fileURLToPath(import.meta.url)), 'engine-main.js');

/**
 * Starts the engine as an Electron utilityProcess: a Node process Chromium supervises, so a crash in onnxruntime (a
 * CUDA driver fault, an out-of-memory kill) ends only the engine; EngineClient reports it and starts a fresh one.
 */
export function utilityEngineLauncher(env: Record<string, string> = {}, script: string = engineScript()): EngineLauncher {
  return () => {
    const child = utilityProcess.fork(script, [], { serviceName: 'Diffa Studio Engine', stdio: 'inherit', env: { ...process.env, ...env } });
    const channel: EngineChannel = {
      get pid() {
        return child.pid ?? null;
      },
      postMessage: (message) => child.postMessage(message),
      onMessage: (listener) => child.on('message', listener),
      onExit: (listener) => child.on('exit', (code) => listener(code, null)),
      kill: () => {
        child.kill();
      },
    };
    return channel;
  };
}
