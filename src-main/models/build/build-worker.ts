import { parentPort, workerData } from 'node:worker_threads';
import { ApiError } from '../../../src-common/api/errors';
import { type BuildProgress, type BuildRequest, buildBundle } from './build-bundle';

/**
 * The model builder in a worker thread, so that a build started from the model manager (minutes of CPU at full
 * size) never stalls the Electron main process or the headless host's event loop. One build per worker; the parent
 * posts `abort` to stop it after the tensor being written (build-state.json then says where to resume).
 */
export type BuildWorkerRequest = Omit<BuildRequest, 'onProgress' | 'signal'>;
export type BuildWorkerReply =
  | { type: 'progress'; progress: BuildProgress }
  | { type: 'done'; resumed: boolean }
  | { type: 'error'; error: ReturnType<ApiError['toJSON']> };

const stop = new AbortController();
parentPort?.on('message', (message: { type: string }) => {
  if (message.type === 'abort') stop.abort();
});

const post = (reply: BuildWorkerReply) => parentPort?.postMessage(reply);
let last = 0;
buildBundle({
  ...(workerData as BuildWorkerRequest),
  signal: stop.signal,
  onProgress: (progress) => {
    // A few messages a second at most: enough for a progress bar.
    const now = Date.now();
    if (progress.phase === 'writing' && now - last < 100) return;
    last = now;
    post({ type: 'progress', progress });
  },
}).then(
  (result) => {
    post({ type: 'done', resumed: result.resumed });
    parentPort?.close();
  },
  (error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    const apiError = stop.signal.aborted
      ? new ApiError('cancelled', 'Build stopped')
      : code === 'ENOSPC' || code === 'EDQUOT'
        ? new ApiError('io_error', 'The disk is full while building; free some space and run it again (the build resumes from the last finished tensor)', {
            code,
          })
        : ApiError.wrap(error);
    post({ type: 'error', error: apiError.toJSON() });
    parentPort?.close();
  },
);
