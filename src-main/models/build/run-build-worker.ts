import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ApiError } from '../../../src-common/api/errors';
import type { BuildProgress } from './build-bundle';
import type { BuildWorkerReply, BuildWorkerRequest } from './build-worker';

/**
 * How to start the worker: the bundle beside this file in dist/main, or, from source through tsx, a bootstrap that
 * registers tsx's loader inside the worker first (as run-analysis.ts does for the audio worker).
 */
function workerScript(): { script: string; eval: boolean } {
  const here = dirname(fileURLToPath(import.meta.url));
  const source = join(here, 'build-worker.ts');
  if (!existsSync(source)) return { script: join(here, 'build-worker.js'), eval: false };
  const api = import.meta.resolve('tsx/esm/api');
  const entry = pathToFileURL(source).href;
  return { script: `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`, eval: true };
}

/**
 * Runs one build in a fresh worker thread. Aborting `signal` asks the worker to stop after the tensor it is writing
 * (what is on disk stays resumable) and rejects with `cancelled` once it has.
 */
export function runBuildInWorker(
  request: BuildWorkerRequest,
  options: { signal?: AbortSignal; onProgress?: (p: BuildProgress) => void } = {},
): Promise<{ resumed: boolean }> {
  const { script, eval: isCode } = workerScript();
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(new ApiError('cancelled', 'Build stopped'));
    const worker = new Worker(script, { workerData: request, eval: isCode });
    let settled = false;
    const onAbort = () => worker.postMessage({ type: 'abort' });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    worker.on('message', (message: BuildWorkerReply) => {
      if (message.type === 'progress') options.onProgress?.(message.progress);
      else if (message.type === 'done') settle(() => resolve({ resumed: message.resumed }));
      else settle(() => reject(ApiError.from(message.error)));
    });
    worker.on('error', (error) => settle(() => reject(new ApiError('internal', `The model build failed: ${error.message}`))));
    worker.on('exit', (code) => settle(() => reject(new ApiError('internal', `The model build stopped unexpectedly (exit code ${code})`))));
  });
}
