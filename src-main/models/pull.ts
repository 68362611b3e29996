import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Dispatcher } from 'undici';
import { ApiError } from '../../src-common/api/errors';
import { loadBundle } from './bundle';
import { ensureSpace, type FreeSpace, freeSpace } from './disk-space';
import { type DownloadOptions, downloadFile, type FileDownload, HashMismatch } from './download-file';
import { type PlannedFile, type PullPlan, resolveUrl } from './hub';
import type { HubPolicy } from './hub-policy';
import { installBundle } from './install';
import type { OpenPart } from './part-file';
import { type ActiveFile, type PullProgress, progressSnapshot, SpeedMeter } from './progress';
import { RangeMap } from './range-map';
import { downloadRanged } from './ranged-download';
import { bytesOnDisk, partPath, readStagingState, removeStaging, type StagingState, sizeOf, stagingBundle, writeStagingState } from './staging';

/**
 * Connections per large file. A CDN that caps each connection (as the hub's do) serves n connections about n times
 * as fast until the link is full; 8 fills a gigabit link at the ~15 MB/s a connection typically gets, as a browser
 * opens 6 per host, well below hf_transfer's dozens (each one costs the CDN a socket and a TLS handshake).
 */
export const DEFAULT_CONNECTIONS = 8;
/**
 * Files up to this size take one stream each (several files still go at once): as aria2, which splits nothing
 * under twice its 20 MB minimum piece, since every piece costs a request and a round trip.
 */
export const DEFAULT_SPLIT_ABOVE_BYTES = 40_000_000;

export interface PullOptions {
  modelsDir: string;
  dispatcher: Dispatcher;
  token?: string;
  signal: AbortSignal;
  onProgress?: (progress: PullProgress) => void;
  /** Files fetched at once; a hub's CDN serves each connection at a capped rate, so a few in parallel help. */
  parallel?: number;
  /** Connections for one large file (byte ranges fetched side by side); 1 fetches every file as one stream. */
  connections?: number;
  /** Files larger than this are fetched over `connections` connections. */
  splitAboveBytes?: number;
  progressIntervalMs?: number;
  freeSpace?: FreeSpace;
  openPart?: OpenPart;
  policy?: HubPolicy;
  stallMs?: number;
  maxRetries?: number;
  backoffMs?: number;
  log?: (line: string) => void;
}

/**
 * Downloads every file of a plan into the staging folder, verifies each one's SHA-256 as it streams, and installs the
 * model by renaming the folder once all are good. Safe to call again after any interruption: finished files are
 * kept, partial ones resumed. A file with a wrong hash is fetched again from zero, alone, once.
 */
export async function pullModel(plan: PullPlan, options: PullOptions): Promise<string> {
  const { modelsDir } = options;
  const state = prepareStaging(plan, modelsDir);
  const bundle = stagingBundle(modelsDir, plan.id);
  const bytesTotal = plan.files.reduce((sum, f) => sum + f.size, 0);
  await ensureSpace(dirname(bundle), bytesTotal - bytesOnDisk(modelsDir, state), options.freeSpace ?? freeSpace);
  if (plan.manifestText !== undefined) writeKnownFile(bundle, plan.files[0] as PlannedFile, plan.manifestText);
  let bytesDone = bytesOnDisk(modelsDir, state);

  const pending = plan.files.filter((f) => sizeOf(join(bundle, f.path)) !== f.size);
  let filesDone = plan.files.length - pending.length;
  /** Files in flight, in the order they started, with their own speed meters. */
  const active = new Map<string, ActiveFile>();
  const meter = new SpeedMeter();
  let phase: PullProgress['state'] = 'downloading';
  const report = () =>
    options.onProgress?.(
      progressSnapshot({ id: plan.id, name: plan.name, state: phase, bytesDone, bytesTotal, filesDone, filesTotal: plan.files.length }, meter, active),
    );
  report();
  const ticker = setInterval(report, options.progressIntervalMs ?? 250);
  // One file failing for good stops the others too (their partial bytes stay for the next try).
  const stopAll = new AbortController();
  const forward = () => stopAll.abort();
  options.signal.addEventListener('abort', forward, { once: true });
  if (options.signal.aborted) stopAll.abort();
  try {
    await runPool(pending, options.parallel ?? 3, stopAll, async (file) => {
      const progress = { size: file.size, done: Math.min(file.size, RangeMap.bytesOnDisk(partPath(join(bundle, file.path))) ?? 0), meter: new SpeedMeter() };
      active.set(file.path, progress);
      await fetchVerified(plan, file, bundle, { ...options, signal: stopAll.signal }, (delta) => {
        bytesDone += delta;
        progress.done += delta;
      });
      active.delete(file.path);
      filesDone++;
    });
    if (stopAll.signal.aborted) throw new ApiError('cancelled', 'Download stopped');
    checkManifestMatchesPlan(bundle, plan);
    phase = 'installing';
    report();
    const dir = installBundle(bundle, modelsDir, plan.id, {
      endpoint: plan.endpoint,
      repo: plan.repo,
      revision: plan.revision,
      commit: plan.commit,
      installedAt: new Date().toISOString(),
    });
    removeStaging(modelsDir, plan.id);
    phase = 'installed';
    report();
    return dir;
  } finally {
    clearInterval(ticker);
    options.signal.removeEventListener('abort', forward);
  }
}

/** The downloaded manifest must promise exactly the bytes we verified (a catalog pin could disagree with it). */
function checkManifestMatchesPlan(bundle: string, plan: PullPlan): void {
  const planned = new Map(plan.files.map((f) => [f.path, f.sha256]));
  for (const file of loadBundle(bundle).manifest.files) {
    if (planned.get(file.path) !== file.sha256)
      throw new ApiError(
        'bad_model',
        `${plan.id}: manifest.json lists ${file.path} with SHA-256 ${file.sha256}, which is not what was downloaded and verified`,
      );
  }
}

/** Staging for this plan; a leftover from a different commit or file list is thrown away rather than mixed in. */
function prepareStaging(plan: PullPlan, modelsDir: string): StagingState {
  const previous = readStagingState(modelsDir, plan.id);
  const same =
    previous?.source?.commit === plan.commit &&
    previous.files.length === plan.files.length &&
    previous.files.every((f, i) => f.path === plan.files[i]?.path && f.sha256 === plan.files[i]?.sha256 && f.size === plan.files[i]?.size);
  if (previous && !same) removeStaging(modelsDir, plan.id);
  const state: StagingState =
    previous && same
      ? previous
      : {
          version: 1,
          id: plan.id,
          name: plan.name,
          source: { endpoint: plan.endpoint, repo: plan.repo, revision: plan.revision, commit: plan.commit },
          files: plan.files,
          createdAt: new Date().toISOString(),
        };
  writeStagingState(modelsDir, state);
  mkdirSync(stagingBundle(modelsDir, plan.id), { recursive: true });
  return state;
}

/** manifest.json was already fetched to build the plan: write it, checked, instead of downloading it again. */
function writeKnownFile(bundle: string, file: PlannedFile, text: string): void {
  const path = join(bundle, file.path);
  if (sizeOf(path) === file.size) return;
  if (createHash('sha256').update(text).digest('hex') !== file.sha256) throw new ApiError('bad_model', `${file.path} changed while the download was planned`);
  writeFileSync(path, text);
}

/** Fetches one file into `bundle` with resume and hash check; a wrong hash gets one fresh attempt. */
export async function fetchVerified(plan: PullPlan, file: PlannedFile, bundle: string, options: PullOptions, onBytes: (delta: number) => void) {
  const path = join(bundle, file.path);
  mkdirSync(dirname(path), { recursive: true });
  const task: FileDownload = {
    url: resolveUrl(plan.endpoint, plan.repo, plan.commit, file.path),
    path,
    partPath: partPath(path),
    size: file.size,
    sha256: file.sha256,
    label: file.path,
  };
  const connections = options.connections ?? DEFAULT_CONNECTIONS;
  const ranged = connections > 1 && file.size > (options.splitAboveBytes ?? DEFAULT_SPLIT_ABOVE_BYTES);
  const download = (task: FileDownload, common: DownloadOptions) => (ranged ? downloadRanged(task, { ...common, connections }) : downloadFile(task, common));
  const common = {
    dispatcher: options.dispatcher,
    token: options.token,
    signal: options.signal,
    onBytes,
    openPart: options.openPart,
    policy: options.policy,
    stallMs: options.stallMs,
    maxRetries: options.maxRetries,
    backoffMs: options.backoffMs,
    log: options.log,
  };
  try {
    await downloadOnceMore(task, common, download, onBytes, options.log);
  } catch (error) {
    throw forModel(error, plan.id, file.path);
  }
  if (!existsSync(path)) throw new ApiError('internal', `${file.path} was not written`);
}

/**
 * A pull's failure as one sentence naming the model and the file ("Could not download llm.onnx for diffa-2: not
 * found on the server (HTTP 404)"); the downloader's own messages start with the file's path.
 */
function forModel(error: unknown, id: string, path: string): unknown {
  if (error instanceof ApiError && error.code === 'cancelled') return error;
  // A system call's failure outside the downloader (creating the file's folder) is the disk's, not a bug.
  const api = ApiError.wrap(error, typeof (error as NodeJS.ErrnoException)?.code === 'string' ? 'io_error' : 'internal');
  const reason = api.message.startsWith(`${path}: `) ? api.message.slice(path.length + 2) : api.message;
  return new ApiError(api.code, `Could not download ${path} for ${id}: ${reason}`, api.details);
}

/** Downloads `task`; a file whose complete hash is wrong is fetched again from zero, alone, once. */
async function downloadOnceMore(
  task: FileDownload,
  common: DownloadOptions,
  download: (task: FileDownload, common: DownloadOptions) => Promise<void>,
  onBytes: (delta: number) => void,
  log?: (line: string) => void,
): Promise<void> {
  try {
    await download(task, common);
  } catch (error) {
    if (!(error instanceof HashMismatch)) throw error;
    // Corrupt bytes somewhere (a proxy, a disk, a bad resume): fetch this one file again from zero, once.
    log?.(`${error.message}; downloading it again`);
    onBytes(-task.size);
    removePart(task.partPath);
    try {
      await download(task, common);
    } catch (second) {
      if (second instanceof HashMismatch) removePart(task.partPath);
      throw second;
    }
  }
}

/** Sidecar first: a part file with holes must never be left without the list of its ranges. */
function removePart(path: string): void {
  RangeMap.remove(path);
  rmSync(path, { force: true });
}

/** Runs `work` over items with at most `limit` at once; the first failure aborts the rest through `stop`. */
export async function runPool<T>(items: T[], limit: number, stop: AbortController, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  let failure: unknown;
  const worker = async () => {
    while (queue.length > 0 && !stop.signal.aborted) {
      const item = queue.shift() as T;
      try {
        await work(item);
      } catch (error) {
        if (failure === undefined) {
          failure = error;
          stop.abort();
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure;
  if (stop.signal.aborted) throw new ApiError('cancelled', 'Download stopped');
}
