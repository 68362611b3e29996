import { parentPort, workerData } from 'node:worker_threads';
import { ApiError } from '../../src-common/api/errors';
import { computePeaks, measureFacts, readSamples } from './analyze';
import { DecodedCopyWriter } from './decoded-copy';
import { openAudio } from './open-audio';
import { writePeaksFile } from './peaks-file';

/**
 * A worker thread for the heavy passes over a file (peaks, facts, samples of compressed formats), so neither the
 * Electron main process nor the headless host's event loop stalls while a two-hour file is read. One job per worker.
 */
export type AnalysisJob =
  | { kind: 'peaks'; path: string; cacheFile: string /** compressed files: where to write the decoded copy */; copyFile?: string }
  | { kind: 'facts'; path: string; start: number; end: number | null }
  | { kind: 'samples'; path: string; start: number; end: number };

export type WorkerReply = { type: 'progress'; fraction: number } | { type: 'done'; result: unknown } | { type: 'error'; error: ReturnType<ApiError['toJSON']> };

async function run(job: AnalysisJob): Promise<{ result: unknown; transfer: ArrayBuffer[] }> {
  const source = await openAudio(job.path);
  let last = -1;
  const progress = (fraction: number) => {
    // A few dozen messages per file at most: enough for a progress bar.
    if (fraction - last >= 0.02 || fraction === 1) {
      last = fraction;
      parentPort?.postMessage({ type: 'progress', fraction } satisfies WorkerReply);
    }
  };
  if (job.kind === 'peaks') {
    const seekable = source.info.container === 'wav' || source.info.container === 'aiff';
    const copy = job.copyFile && !seekable ? new DecodedCopyWriter(job.copyFile, source.info.sampleRate, source.info.channels) : null;
    const pyramid = await computePeaks(source, progress, copy ? (block) => copy.push(block) : undefined).catch(async (error) => {
      await copy?.abandon();
      throw error;
    });
    await copy?.finish();
    if (pyramid.frames === 0) throw new ApiError('bad_audio', `Cannot read ${job.path.split(/[\\/]/).pop()}: it holds no audio samples`, { path: job.path });
    const info = { ...source.info, frames: pyramid.frames };
    await writePeaksFile(job.cacheFile, info, pyramid);
    return { result: info, transfer: [] };
  }
  if (job.kind === 'facts') return { result: await measureFacts(source, job.start, job.end, progress), transfer: [] };
  const channels = await readSamples(source, job.start, job.end);
  return { result: { sampleRate: source.info.sampleRate, channels }, transfer: channels.map((c) => c.buffer as ArrayBuffer) };
}

run(workerData as AnalysisJob).then(
  ({ result, transfer }) => parentPort?.postMessage({ type: 'done', result } satisfies WorkerReply, transfer),
  (error: unknown) => parentPort?.postMessage({ type: 'error', error: ApiError.wrap(error, 'bad_audio').toJSON() } satisfies WorkerReply),
);
