import { join } from 'node:path';
import type { EngineChannel, EngineLauncher } from './engine-client';
import type { EngineHost } from './engine-host';

/**
 * The engine in the caller's own thread, for a command line that asks one question and exits: no second Node
 * process to start and no second copy of the shared modules to load (about half of a `diffa ask`'s start-up).
 * Only where nothing else waits on the thread: `session.run` blocks it for a forward pass. The app, the host and
 * the longer commands keep the forked engine, whose crash does not take their process down.
 *
 * Messages keep the process channel's semantics: delivered asynchronously, in order, as structured clones, so the
 * same `EngineClient` (validation, cancellation, status) runs unchanged on top.
 */
export const inProcessEngine =
  (env: Record<string, string>): EngineLauncher =>
  () => {
    const toClient = new Set<(message: unknown) => void>();
    const onExit = new Set<(code: number | null, signal: string | null) => void>();
    let toHost: ((raw: unknown) => void) | null = null;
    const waiting: unknown[] = [];
    let alive = true;
    const deliver = (listener: (message: unknown) => void, message: unknown) =>
      setImmediate(() => {
        if (alive) listener(structuredClone(message));
      });

    const cacheDir = env.DIFFA_ENGINE_CACHE ?? process.cwd();
    const host: Promise<EngineHost> = import('./engine-host').then(({ serveEngine }) =>
      serveEngine(
        {
          send: (message) => {
            for (const listener of toClient) deliver(listener, message);
          },
          onMessage: (listener) => {
            toHost = listener;
            for (const message of waiting.splice(0)) deliver(listener, message);
          },
        },
        join(cacheDir, 'verified-files.json'),
      ),
    );
    host.catch((error: unknown) => {
      // The engine's modules could not load (onnxruntime's native library missing): as a process that died at start.
      console.error(error);
      alive = false;
      for (const listener of onExit) listener(1, null);
    });

    const channel: EngineChannel = {
      pid: process.pid,
      postMessage: (message) => {
        if (!alive) return;
        if (toHost) deliver(toHost, message);
        else waiting.push(message);
      },
      onMessage: (listener) => void toClient.add(listener),
      onExit: (listener) => void onExit.add(listener),
      kill: () => {
        if (!alive) return;
        alive = false;
        // Released on the next turn of the event loop: a command that exits right after (the CLI) leaves the sessions
        // to the process's end instead of spending ~100 ms tearing them down; a process that lives on frees them.
        setImmediate(() => {
          void host
            .then((engine) => engine.release())
            .catch(() => undefined)
            .finally(() => {
              for (const listener of onExit) listener(null, 'SIGTERM');
            });
        });
      },
    };
    return channel;
  };
