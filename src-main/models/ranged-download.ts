import { renameSync, truncateSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { Dispatcher } from 'undici';
import { ApiError } from '../../src-common/api/errors';
import { Attempt } from './attempt';
import { BlockSink } from './block-sink';
import { bodyFeed } from './body-feed';
import {
  type DownloadOptions,
  downloadFile,
  explainFailure,
  type FileDownload,
  HashMismatch,
  labelOf,
  openFollowingRedirects,
  Retryable,
  retryDelay,
  type StorageLink,
  sleep,
  statusFailure,
} from './download-file';

import { openPartFile, type PartFile } from './part-file';
import { PrefixHasher } from './prefix-hasher';
import { RangeMap } from './range-map';

export interface RangedOptions extends DownloadOptions {
  /** Connections for this one file. */
  connections: number;
  /** Bytes per request; by default the file in 2 × `connections` pieces, each between 64 KiB and 16 MiB. */
  pieceBytes?: number;
  /** Hash only once every byte is on disk, instead of following the download (the bench compares both). */
  hashAtEnd?: boolean;
  /** How often the sidecar is rewritten while bytes arrive: what a kill -9 can cost per connection. */
  saveEveryMs?: number;
}

/** The server answered a range with the whole file (200) or refused it (416): one stream must do. */
class NoRanges extends Error {}

/** Bytes [start, end) one connection is fetching; `start` moves up as they reach the disk. */
interface Piece {
  start: number;
  end: number;
}

const KiB = 1 << 10;
const MiB = 1 << 20;

/**
 * Downloads one large file over several connections at once, as hf_transfer and download managers do: the missing
 * bytes are cut into pieces, each connection asks for one piece at a time with `Range: bytes=a-b` and writes it at
 * its place in the `.part` file. A CDN that caps each connection's rate then serves the file several times faster.
 *
 * - Resume: the ranges on disk are recorded in a sidecar (`range-map.ts`), saved atomically as pieces land, on
 *   every failure and at the end, so a later run (after a stop, a crash or a kill -9) asks only for what is missing.
 * - Verification: the SHA-256 follows the run of bytes from byte 0 as it grows (`prefix-hasher.ts`), and must match
 *   before the rename, as for one stream.
 * - Failures: each connection retries its own piece (drops, stalls, 5xx) with backoff and gives up after
 *   `maxRetries` attempts without progress; a final error (404, a wrong size, a full disk) stops all of them.
 * - A server without Range support (200 for a range, or 416) gets the file over one stream (`downloadFile`), from
 *   the run of bytes from 0 that is already on disk.
 */
export async function downloadRanged(file: FileDownload, options: RangedOptions): Promise<void> {
  const map = RangeMap.load(file.partPath, file.size, file.sha256);
  // The sidecar exists before any byte is written out of order: a part file with holes always has one.
  map.save(file.partPath);
  const part = await (options.openPart ?? openPartFile)(file.partPath, null);
  const hasher = new PrefixHasher(file.partPath, () => map.prefixEnd(), options.hashAtEnd !== true);
  let fallback = false;
  try {
    hasher.poke();
    if (!map.complete) await fetchPieces(file, options, map, part, hasher);
  } catch (error) {
    if (!(error instanceof NoRanges)) throw error;
    fallback = true;
    options.log?.(`${labelOf(file)}: the server does not serve byte ranges (${error.message}); downloading it over one connection`);
  } finally {
    map.save(file.partPath);
    await part.close().catch(() => {});
    await hasher.close();
  }
  if (fallback) {
    // File first, sidecar second: a kill in between leaves a sidecar that lists no byte past the file's end.
    const prefix = map.prefixEnd();
    truncateSync(file.partPath, prefix);
    RangeMap.remove(file.partPath);
    options.onBytes?.(prefix - map.bytesDone);
    return downloadFile(file, options);
  }
  const actual = await hasher.digest(file.size);
  if (actual !== file.sha256) throw new HashMismatch(labelOf(file), actual, file.sha256);
  // Sidecar first: a kill in between leaves a complete part file, which a resume hashes and renames.
  RangeMap.remove(file.partPath);
  renameSync(file.partPath, file.path);
}

/** Runs the connections until every byte is on disk, or the first final failure (which stops the others). */
async function fetchPieces(file: FileDownload, options: RangedOptions, map: RangeMap, part: PartFile, hasher: PrefixHasher): Promise<void> {
  const stop = new AbortController();
  const forward = () => stop.abort();
  options.signal.addEventListener('abort', forward, { once: true });
  if (options.signal.aborted) stop.abort();
  const stopped = new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
  const pieceBytes = options.pieceBytes ?? Math.min(16 * MiB, Math.max(64 * KiB, Math.ceil(file.size / (2 * options.connections))));
  const pieces = new Pieces(map, pieceBytes);
  const saveEveryMs = options.saveEveryMs ?? 100;
  let dirty = false;
  let savedAt = performance.now();
  const save = () => {
    dirty = false;
    savedAt = performance.now();
    map.save(file.partPath);
  };
  // Saved from the writes themselves (a busy machine delays timers) and by a timer for the last bytes of a lull.
  const saver = setInterval(() => {
    if (dirty) save();
  }, saveEveryMs);
  let link: StorageLink | undefined;
  // One connection asks first; the others start once its answer shows that the server serves ranges.
  let open!: () => void;
  const rangesServed = new Promise<void>((resolve) => {
    open = resolve;
  });
  const shared: Shared = {
    file,
    options,
    part,
    signal: stop.signal,
    link: () => link,
    setLink: (next) => {
      link = next;
    },
    served: () => open(),
    written: (at, bytes) => {
      map.add(at, at + bytes);
      dirty = true;
      if (performance.now() - savedAt >= saveEveryMs) save();
      hasher.poke();
    },
  };
  let failure: unknown;
  const connection = async (index: number) => {
    try {
      if (index > 0) await Promise.race([rangesServed, stopped]);
      await fetchUntilDone(pieces, shared);
    } catch (error) {
      failure ??= error;
      stop.abort();
    } finally {
      if (index === 0) open();
    }
  };
  try {
    await Promise.all(Array.from({ length: options.connections }, (_, index) => connection(index)));
  } finally {
    clearInterval(saver);
    options.signal.removeEventListener('abort', forward);
  }
  if (failure !== undefined) throw failure;
  if (options.signal.aborted) throw new ApiError('cancelled', 'Download stopped');
  if (!map.complete) throw new ApiError('internal', `${labelOf(file)}: the connections ended with ${map.bytesDone} of ${file.size} bytes`);
}

/** What the connections of one file share. */
interface Shared {
  file: FileDownload;
  options: RangedOptions;
  part: PartFile;
  /** Stops every connection (the user's stop, or another connection's final failure). */
  signal: AbortSignal;
  link: () => StorageLink | undefined;
  setLink: (link: StorageLink | undefined) => void;
  /** A 206 with the asked range came back. */
  served: () => void;
  /** `bytes` from `at` are on disk. */
  written: (at: number, bytes: number) => void;
}

/** One connection: piece after piece until none is left unclaimed, retrying its own failures. */
async function fetchUntilDone(pieces: Pieces, shared: Shared): Promise<void> {
  const { options } = shared;
  const maxRetries = options.maxRetries ?? 6;
  let failures = 0;
  while (!shared.signal.aborted) {
    const piece = pieces.take();
    if (!piece) return;
    const before = piece.start;
    try {
      await fetchPiece(piece, shared);
      failures = 0;
    } catch (error) {
      if (!(error instanceof Retryable)) throw error;
      // Progress resets the count, as for one stream.
      failures = piece.start > before ? 1 : failures + 1;
      const name = labelOf(shared.file);
      if (failures > maxRetries) throw new ApiError('io_error', `${name}: gave up after ${maxRetries} retries (${error.message})`, { file: shared.file.path });
      const delay = retryDelay(failures, options);
      options.log?.(`${name}: bytes ${piece.start}-${piece.end - 1}: ${error.message}; retrying in ${Math.round(delay)} ms`);
      pieces.release(piece);
      await sleep(delay, shared.signal);
    } finally {
      pieces.release(piece);
    }
  }
}

/** One request for the rest of `piece`, written at its place; `piece.start` follows the bytes written. */
async function fetchPiece(piece: Piece, shared: Shared): Promise<void> {
  const { file, options } = shared;
  const name = labelOf(file);
  const attempt = new Attempt(shared.signal, options.stallMs ?? 30_000);
  let sink: BlockSink | undefined;
  let response: Dispatcher.ResponseData | undefined;
  try {
    const via = shared.link();
    const opened = await openFollowingRedirects(file.url, `bytes=${piece.start}-${piece.end - 1}`, options, attempt.signal, via);
    response = opened.response;
    const status = response.statusCode;
    if (status === 200 || status === 416) throw new NoRanges(`HTTP ${status} for a range`);
    if (status !== 206) {
      await response.body.dump().catch(() => {});
      if (via && [401, 403, 404, 410].includes(status)) {
        // A storage link handed out by the hub expires: ask the hub for a fresh one.
        shared.setLink(undefined);
        throw new Retryable(`the storage link answered HTTP ${status}; asking the hub again`);
      }
      throw statusFailure(status, name, file.path);
    }
    checkRange(response, piece, file.size, name);
    shared.setLink(opened.link);
    shared.served();

    const body = response.body;
    const into = new BlockSink(shared.part, piece.start, null, 128 * KiB, 4 * MiB, 100, (at, bytes) => {
      piece.start = at + bytes;
      shared.written(at, bytes);
    });
    sink = into;
    let received = piece.start;
    const feed = bodyFeed(
      body,
      into,
      attempt,
      (bytes) => {
        if (received + bytes > piece.end)
          return new ApiError('bad_model', `${name}: the server sent more than the ${piece.end - piece.start} bytes asked for`, { file: file.path });
        received += bytes;
      },
      options.onBytes,
    );
    body.on('data', feed.receive);
    await finished(body);
    if (feed.refused) throw feed.refused;
    await into.flush();
    if (received < piece.end) throw new Retryable(`connection closed at byte ${received} of bytes ${piece.start}-${piece.end - 1}`);
  } catch (thrown) {
    // What was received is written, so the sidecar can count it and the retry asks only for the rest.
    const flushed = await sink?.flush().then(
      () => undefined,
      (failure: unknown) => failure,
    );
    if (thrown instanceof NoRanges) throw thrown;
    const error = flushed !== undefined && !(thrown instanceof ApiError) ? flushed : thrown;
    throw explainFailure(error, file, name, shared.signal, attempt.stallReason);
  } finally {
    attempt.dispose();
    // An unread body would hold its connection (see downloadFile).
    if (response && !response.body.readableEnded) response.body.on('error', () => {}).destroy();
  }
}

/** A 206 must carry exactly the asked bytes of a file of exactly the expected size. */
function checkRange(response: Dispatcher.ResponseData, piece: Piece, size: number, name: string): void {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(response.headers['content-range'] ?? ''));
  if (!match) throw new Retryable('206 without a usable Content-Range');
  if (match[3] !== '*' && Number(match[3]) !== size)
    throw new ApiError('bad_model', `${name}: the server has ${match[3]} bytes, the model's file list says ${size} (wrong file or changed upstream)`, {
      file: name,
    });
  if (Number(match[1]) !== piece.start || Number(match[2]) !== piece.end - 1)
    throw new Retryable(`the server sent bytes ${match[1]}-${match[2]} for ${piece.start}-${piece.end - 1}`);
}

/** Hands out the missing bytes that no connection is fetching yet, in file order, a piece at a time. */
class Pieces {
  private readonly claimed = new Set<Piece>();

  constructor(
    private readonly map: RangeMap,
    private readonly pieceBytes: number,
  ) {}

  take(): Piece | null {
    const claims = [...this.claimed].sort((a, b) => a.start - b.start);
    for (const [holeStart, holeEnd] of this.map.holes()) {
      let at = holeStart;
      for (const claim of claims) {
        if (claim.end <= at) continue;
        if (claim.start >= holeEnd) break;
        if (claim.start > at) return this.claim(at, claim.start);
        at = claim.end;
      }
      if (at < holeEnd) return this.claim(at, holeEnd);
    }
    return null;
  }

  release(piece: Piece): void {
    this.claimed.delete(piece);
  }

  /** A piece from `start`, at most `pieceBytes` long, and not leaving a sliver of the gap behind. */
  private claim(start: number, gapEnd: number): Piece {
    const end = gapEnd - start <= this.pieceBytes * 1.25 ? gapEnd : start + this.pieceBytes;
    const piece = { start, end };
    this.claimed.add(piece);
    return piece;
  }
}
