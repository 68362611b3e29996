import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** A download's `.part` file, written in large batches at explicit offsets. */
export interface PartFile {
  /** Writes all of `chunks`, in order, from `position`; a failed write may leave a prefix on disk, as a real disk does. */
  writev(chunks: Buffer[], position: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the partial file keeping exactly its first `keep` bytes, or all of them (`null`: a file fetched in ranges,
 * whose sidecar says which bytes count); a seam so tests can inject a full disk (ENOSPC).
 */
export type OpenPart = (path: string, keep: number | null) => Promise<PartFile>;

export const openPartFile: OpenPart = async (path, keep) => {
  const handle = await open(path, keep === null ? constants.O_RDWR | constants.O_CREAT : keep === 0 ? 'w' : 'r+');
  try {
    // Bytes past `keep` were never hashed (a crash between a write and its hash): they must not survive the resume.
    if (keep !== null && keep > 0) await handle.truncate(keep);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return {
    async writev(chunks, position) {
      let rest = chunks;
      let at = position;
      while (rest.length > 0) {
        const { bytesWritten } = await handle.writev(rest, at);
        at += bytesWritten;
        rest = skipBytes(rest, bytesWritten);
      }
    },
    close: () => handle.close(),
  };
};

/** What is left of `chunks` after the first `bytes` (a short write continues from there). */
function skipBytes(chunks: Buffer[], bytes: number): Buffer[] {
  let index = 0;
  let left = bytes;
  while (index < chunks.length && left >= (chunks[index] as Buffer).length) left -= (chunks[index++] as Buffer).length;
  if (index === chunks.length) return [];
  return [(chunks[index] as Buffer).subarray(left), ...chunks.slice(index + 1)];
}
