import { join } from 'node:path';
import { serveEngine } from './engine-host';
import type { EngineOutgoing } from './protocol';

/**
 * Entry point of the engine process. Runs as an Electron utilityProcess (messages through `process.parentPort`) or
 * as a forked Node child (messages through `process.send`); everything else is the same (engine-host.ts).
 * Inference happens only here: onnxruntime-node's `session.run` blocks the thread it runs on.
 */
interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

/** Where the verified-hash cache lives: the app's cache folder, passed by the main side. */
const verifyCache = join(process.env.DIFFA_ENGINE_CACHE ?? process.cwd(), 'verified-files.json');

serveEngine(
  {
    send: (message: EngineOutgoing) => {
      if (parentPort) parentPort.postMessage(message);
      else process.send?.(message);
    },
    onMessage: (listener) => {
      if (parentPort) parentPort.on('message', (event) => listener(event.data));
      else process.on('message', listener);
    },
  },
  verifyCache,
  { prepareDecoders: true },
);
