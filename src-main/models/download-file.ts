import { existsSync, renameSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { type Dispatcher, request } from 'undici';
import { ApiError } from '../../src-common/api/errors';
import { Attempt } from './attempt';
import { BlockSink } from './block-sink';
import { bodyFeed } from './body-feed';
import { HubPolicy, refusedAddress } from './hub-policy';
import { tlsTrustError } from './network';
import { type OpenPart, openPartFile, type PartFile } from './part-file';
import { RangeMap, rangesPath } from './range-map';
import { createHasher, type StreamHasher } from './stream-hasher';

/** One file to fetch into `<partPath>`, renamed to `<path>` only once its SHA-256 matched. */
export interface FileDownload {
  url: string;
  path: string;
  partPath: string;
  size: number;
  sha256: string;
  /** What errors call the file (its path inside the model); by default the file's name. */
  label?: string;
}

/** What errors call `file`. */
export const labelOf = (file: FileDownload) => file.label ?? file.path.split(/[\\/]/).pop() ?? file.path;

export interface DownloadOptions {
  dispatcher: Dispatcher;
  token?: string;
  signal: AbortSignal;
  /** Called with every block of bytes received (negative when a partial file had to be thrown away). */
  onBytes?: (delta: number) => void;
  openPart?: OpenPart;
  /** Where requests and redirects may go; by default only the URL's own origin is a hub. */
  policy?: HubPolicy;
  /** Idle time without a byte before the connection counts as stalled and is retried. */
  stallMs?: number;
  /** Failed attempts in a row (without progress) before giving up. */
  maxRetries?: number;
  backoffMs?: number;
  maxBackoffMs?: number;
  log?: (line: string) => void;
}

/** Bytes of the file that are on disk and already in the hash. */
interface Progress {
  have: number;
  hasher: StreamHasher;
}

/** Bytes taken off a response while its part file opens, before the socket is paused. */
const EARLY_LIMIT = 4 << 20;

/** A failure worth another attempt: dropped connection, stall, 5xx, 429. */
export class Retryable extends Error {}

/** The file's bytes are not the promised ones; the caller re-fetches it from zero (once). */
export class HashMismatch extends ApiError {
  constructor(file: string, actual: string, expected: string) {
    super('bad_model', `${file}: SHA-256 ${actual} does not match the expected ${expected}`, { file });
  }
}

export const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(new ApiError('cancelled', 'Download stopped'));
    }
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** Exponential backoff with jitter before retry number `failures` (from 1). */
export function retryDelay(failures: number, options: Pick<DownloadOptions, 'backoffMs' | 'maxBackoffMs'>): number {
  const base = options.backoffMs ?? 500;
  return Math.min(options.maxBackoffMs ?? 15_000, base * 2 ** (failures - 1)) * (0.8 + Math.random() * 0.4);
}

/**
 * Downloads one file with HTTP Range resume. Bytes already in `partPath` (from an earlier run, even one that was
 * killed) are hashed once and kept; the rest is requested with `Range: bytes=<have>-` and hashed as it streams in.
 * Dropped connections, stalls, 5xx and 429 are retried with exponential backoff; 404/401/403, a size that differs
 * from the expected one, and a full disk are not. Throws HashMismatch when the complete file has the wrong hash.
 */
export async function downloadFile(file: FileDownload, options: DownloadOptions): Promise<void> {
  if (existsSync(rangesPath(file.partPath))) keepPrefixOnly(file);
  const state: Progress = { have: existsSync(file.partPath) ? statSync(file.partPath).size : 0, hasher: createHasher() };
  try {
    await fetchAll(file, state, options);
  } finally {
    state.hasher.close();
  }
}

/** A part file fetched in ranges (by an earlier run with several connections): one stream keeps its run from byte 0. */
function keepPrefixOnly(file: FileDownload): void {
  const prefix = RangeMap.load(file.partPath, file.size, file.sha256).prefixEnd();
  if (existsSync(file.partPath)) truncateSync(file.partPath, prefix);
  RangeMap.remove(file.partPath);
}

async function fetchAll(file: FileDownload, state: Progress, options: DownloadOptions): Promise<void> {
  const { signal, onBytes = () => {} } = options;
  const maxRetries = options.maxRetries ?? 6;
  const openPart = options.openPart ?? openPartFile;
  const name = labelOf(file);
  if (state.have > file.size) {
    truncateSync(file.partPath, 0);
    state.have = 0;
  }
  // The bytes already on disk are hashed once; the rest is hashed as it arrives.
  await state.hasher.seedFromFile(file.partPath, state.have);
  let failures = 0;
  let restarts = 0;

  while (state.have < file.size) {
    if (signal.aborted) throw new ApiError('cancelled', 'Download stopped');
    const before = state.have;
    try {
      const result = await fetchFrom(file, state, options, openPart, name);
      if (result === 'restart') {
        // The server refused our Range (416): the partial bytes cannot be trusted to line up, start over.
        if (++restarts > 3) throw new ApiError('io_error', `${name}: the server keeps refusing to resume (HTTP 416)`, { file: file.path });
        onBytes(-state.have);
        state.have = 0;
        state.hasher.reset();
        if (existsSync(file.partPath)) truncateSync(file.partPath, 0);
        continue;
      }
      if (state.have < file.size) throw new Retryable(`connection closed after ${state.have} of ${file.size} bytes`);
    } catch (error) {
      if (!(error instanceof Retryable)) throw error;
      // Progress resets the count: a long download over a flaky link keeps going as long as it moves.
      failures = state.have > before ? 1 : failures + 1;
      if (failures > maxRetries) throw new ApiError('io_error', `${name}: gave up after ${maxRetries} retries (${error.message})`, { file: file.path });
      const delay = retryDelay(failures, options);
      options.log?.(`${name}: ${error.message}; retrying in ${Math.round(delay)} ms`);
      await sleep(delay, signal);
      // Every hashed byte was flushed before the retry; if the file disagrees (it should not), trust the file.
      const onDisk = existsSync(file.partPath) ? statSync(file.partPath).size : 0;
      if (onDisk !== state.have) {
        onBytes(onDisk - state.have);
        state.have = onDisk;
        await state.hasher.seedFromFile(file.partPath, onDisk);
      }
    }
  }
  const actual = await state.hasher.digest();
  if (actual !== file.sha256) throw new HashMismatch(labelOf(file), actual, file.sha256);
  if (file.size === 0 && !existsSync(file.partPath)) writeFileSync(file.partPath, '');
  renameSync(file.partPath, file.path);
}

/**
 * One HTTP attempt from byte `state.have`, advancing `state` as bytes land. Returns 'restart' when the partial file
 * must be discarded. Throws Retryable for transient failures and ApiError for final ones.
 */
async function fetchFrom(file: FileDownload, state: Progress, options: DownloadOptions, openPart: OpenPart, name: string): Promise<'done' | 'restart'> {
  const have = state.have;
  const attempt = new Attempt(options.signal, options.stallMs ?? 30_000);
  let part: PartFile | undefined;
  let sink: BlockSink | undefined;
  let response: Dispatcher.ResponseData | undefined;
  try {
    ({ response } = await openFollowingRedirects(file.url, have > 0 ? `bytes=${have}-` : undefined, options, attempt.signal));
    const status = response.statusCode;
    if (status === 416) {
      await response.body.dump();
      return 'restart';
    }
    if (status === 200 && have > 0) {
      // The server ignored Range and sends the whole file: take it from byte 0 instead of asking again.
      options.onBytes?.(-have);
      state.have = 0;
      state.hasher.reset();
    }
    if (status === 200 || status === 206) {
      checkSize(response, status, state.have, file.size, name);
    } else {
      await response.body.dump().catch(() => {});
      throw statusFailure(status, name, file.path);
    }

    const body = response.body;
    // Listen before the part file is open: a body cut while the file opens is destroyed, and a destroyed stream drops
    // the chunks it was holding, so the next attempt would start again from where this one began.
    const early: Buffer[] = [];
    let earlyBytes = 0;
    const hold = (chunk: Buffer) => {
      early.push(chunk);
      earlyBytes += chunk.length;
      if (earlyBytes >= EARLY_LIMIT) body.pause();
    };
    body.on('data', hold);
    part = await openPart(file.partPath, state.have);
    const into = new BlockSink(part, state.have, state.hasher);
    sink = into;
    const feed = bodyFeed(
      body,
      into,
      attempt,
      (bytes) => {
        if (state.have + bytes > file.size)
          return new ApiError('bad_model', `${name}: the server sent more than the expected ${file.size} bytes`, { file: file.path });
        state.have += bytes;
      },
      options.onBytes,
    );
    body.off('data', hold);
    body.on('data', feed.receive);
    // (also when the network cut the body meanwhile: these bytes arrived whole)
    for (const chunk of early) feed.receive(chunk);
    if (!feed.waitingForSink) body.resume();
    await finished(body);
    if (feed.refused) throw feed.refused;
    await into.flush();
    return 'done';
  } catch (thrown) {
    // Flush what was received so the file and the hash agree for the next attempt (or the next run).
    const flushed = await sink?.flush().then(
      () => undefined,
      (failure: unknown) => failure,
    );
    // A write that failed (a full disk) explains the attempt better than the body it cut short.
    const error = flushed !== undefined && !(thrown instanceof ApiError) ? flushed : thrown;
    throw explainFailure(error, file, name, options.signal, attempt.stallReason);
  } finally {
    attempt.dispose();
    // A body we refused (wrong size, bad status) must not stay half-read: it would hold its connection open, and
    // closing the dispatcher waits for every request in flight (the process then drained out with exit code 0).
    // (undici reports the destroy as an AbortError on the body; nobody else listens to it any more.)
    if (response && !response.body.readableEnded) response.body.on('error', () => {}).destroy();
    await part?.close().catch(() => {});
  }
}

/** What a status other than 200/206/416 means: retry later (429, 5xx) or a final error naming the file. */
export function statusFailure(status: number, name: string, path: string): Error {
  if (status === 429 || status >= 500) return new Retryable(`HTTP ${status}`);
  if (status === 404) return new ApiError('not_found', `${name}: not found on the server (HTTP 404)`, { file: path });
  if (status === 401 || status === 403)
    return new ApiError('forbidden', `${name}: access refused (HTTP ${status}); for a gated or private repo set HF_TOKEN`, { file: path });
  return new ApiError('io_error', `${name}: HTTP ${status}`, { file: path });
}

/**
 * The error an attempt ends with: final ones (a full disk, no permission, an untrusted certificate, a refused
 * address, a stop) as ApiErrors, anything else (a dropped connection, `stalled`) as Retryable.
 */
export function explainFailure(error: unknown, file: FileDownload, name: string, signal: AbortSignal, stalled?: string): Error {
  if (error instanceof ApiError || error instanceof Retryable) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new ApiError('io_error', `${name}: the disk is full; free some space and pull again (the download resumes where it stopped)`, {
      file: file.path,
      code,
    });
  if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM')
    return new ApiError('io_error', `${name}: cannot write into the models folder (${code}); check its permissions and free space`, {
      file: file.path,
      code,
    });
  if (signal.aborted) return new ApiError('cancelled', 'Download stopped');
  const untrusted = tlsTrustError(error, new URL(file.url).host) ?? refusedAddress(error);
  if (untrusted) return untrusted;
  return new Retryable(stalled ?? (error as Error).message);
}

/** The response must describe exactly the bytes we asked for of a file of exactly the expected size. */
function checkSize(response: Dispatcher.ResponseData, status: number, have: number, size: number, name: string): void {
  const wrong = (total: number | string) =>
    new ApiError('bad_model', `${name}: the server has ${total} bytes, the model's file list says ${size} (wrong file or changed upstream)`, { file: name });
  if (status === 206) {
    const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(response.headers['content-range'] ?? ''));
    if (!match) throw new Retryable('206 without a usable Content-Range');
    if (Number(match[1]) !== have) throw new Retryable(`the server resumed at byte ${match[1]} instead of ${have}`);
    if (match[3] !== '*' && Number(match[3]) !== size) throw wrong(match[3] as string);
    return;
  }
  const length = response.headers['content-length'];
  if (length !== undefined && Number(length) !== size) throw wrong(Number(length));
}

/** Where a file's bytes came from at the end of the redirects, so later requests for it can skip them. */
export interface StorageLink {
  url: string;
  /** The URL that redirected there (the hub's `resolve/`), for the hub policy's check. */
  from?: string;
}

/**
 * Hubs answer `resolve/` with a redirect to a CDN. The Range header must survive every hop; the token must not
 * leave the hub's origin. `via` starts from a storage link an earlier request of the same file was redirected to.
 */
export async function openFollowingRedirects(
  url: string,
  range: string | undefined,
  options: DownloadOptions,
  signal: AbortSignal,
  via?: StorageLink,
): Promise<{ response: Dispatcher.ResponseData; link: StorageLink }> {
  const origin = new URL(url).origin;
  const policy = options.policy ?? new HubPolicy([origin]);
  let current = via?.url ?? url;
  let from: string | undefined = via?.from;
  for (let hop = 0; hop < 6; hop++) {
    // Before anything is sent: a pasted URL, a catalog entry or a redirect must not reach a host that is not ours.
    policy.checkRequest(current, from);
    const headers: Record<string, string> = { 'accept-encoding': 'identity' };
    if (range) headers.range = range;
    if (options.token && new URL(current).origin === origin) headers.authorization = `Bearer ${options.token}`;
    const response = await request(current, { dispatcher: options.dispatcher, headers, signal, highWaterMark: 1 << 20 });
    const location = response.headers.location;
    if (response.statusCode >= 300 && response.statusCode < 400 && location) {
      await response.body.dump();
      from = current;
      current = new URL(String(location), current).href;
      continue;
    }
    return { response, link: { url: current, from } };
  }
  throw new ApiError('io_error', `${url}: too many redirects`);
}
