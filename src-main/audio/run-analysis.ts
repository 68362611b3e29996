import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ApiError } from '../../src-common/api/errors';
import type { AnalysisJob, WorkerReply } from './analysis-worker';

/**
 * How to start the worker: the bundle beside this file in dist/main, or, when running from source through tsx, a
 * two-line bootstrap that registers tsx's loader inside the worker first (a worker's `--import` runs too late for
 * its own entry script on Node 20).
 */
function workerScript(): { script: string; eval: boolean } {
  const here = dirname(fileURLToPath(import.meta.url));
  const source = join(here, 'analysis-worker.ts');
  if (!existsSync(source)) return { script: join(here, 'analysis-worker.js'), eval: false };
  const api = import.meta.resolve('tsx/esm/api');
  const entry = pathToFileURL(source).href;
  return { script: `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`, eval: true };
}

/** Runs one analysis job in a fresh worker thread; the worker exits when the job is done. */
export function runAnalysis<T>(job: AnalysisJob, onProgress?: (fraction: number) => void): Promise<T> {
  const { script, eval: isCode } = workerScript();
  return new Promise<T>((resolve, reject) => {
    const worker = new Worker(script, { workerData: job, eval: isCode });
    let settled = false;
    worker.on('message', (message: WorkerReply) => {
      if (message.type === 'progress') onProgress?.(message.fraction);
      else {
        settled = true;
        if (message.type === 'done') resolve(message.result as T);
        else reject(ApiError.from(message.error));
      }
    });
    worker.on('error', (error) => {
      settled = true;
      reject(new ApiError('internal', `The audio analysis failed: ${error.message}`));
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new ApiError('internal', `The audio analysis stopped unexpectedly (exit code ${code})`));
    });
  });
}
