import { open, rename, rm } from 'node:fs/promises';

/**
 * Writes a file so that a crash at any moment leaves either the old content or the new, never a mix: write a
 * temporary file beside it, flush it to disk, then rename it over the original (atomic on POSIX and NTFS).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temp, path);
}
