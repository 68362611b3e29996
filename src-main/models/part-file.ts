import { open } from 'node:fs/promises';

/** A download's `.part` file, written in large blocks at explicit offsets. */
export interface PartFile {
  /** Writes all of `data` at `position`; a failed write may leave a prefix of it on disk, as a real disk does. */
  write(data: Uint8Array, position: number): Promise<void>;
  close(): Promise<void>;
}

/** Opens the partial file keeping exactly its first `keep` bytes; a seam so tests can inject a full disk (ENOSPC). */
export type OpenPart = (path: string, keep: number) => Promise<PartFile>;

export const openPartFile: OpenPart = async (path, keep) => {
  const handle = await open(path, keep === 0 ? 'w' : 'r+');
  try {
    // Bytes past `keep` were never hashed (a crash between a write and its hash): they must not survive the resume.
    if (keep > 0) await handle.truncate(keep);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return {
    async write(data, position) {
      for (let done = 0; done < data.length; ) {
        const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
        done += bytesWritten;
      }
    },
    close: () => handle.close(),
  };
};
