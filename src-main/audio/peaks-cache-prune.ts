import { readdir, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';

/** The peaks cache is bounded: past this size the least recently used files go (a two-hour stereo file's are ~14 MB). */
export const PEAKS_CACHE_LIMIT_BYTES = 1 << 30;

/** Decoded copies of compressed files (16-bit WAV: ~1.4 GB for two hours of stereo) have their own, larger bound. */
export const DECODED_CACHE_LIMIT_BYTES = 4 * (1 << 30);

/** Marks a cache file as just used, so pruning keeps it. */
export async function touch(file: string): Promise<void> {
  const now = new Date();
  await utimes(file, now, now).catch(() => undefined);
}

/** Removes the least recently used cache files (by extension) until the folder fits in `limit` bytes; never fails. */
export async function prunePeaksCache(dir: string, limit = PEAKS_CACHE_LIMIT_BYTES, extension = '.peaks'): Promise<void> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((name) => name.endsWith(extension));
  const files = (
    await Promise.all(
      names.map(async (name) => {
        const info = await stat(join(dir, name)).catch(() => null);
        return info ? { path: join(dir, name), size: info.size, used: info.mtimeMs } : null;
      }),
    )
  ).filter((f) => f !== null);
  let total = files.reduce((sum, f) => sum + f.size, 0);
  for (const file of files.sort((a, b) => a.used - b.used)) {
    if (total <= limit) break;
    await rm(file.path, { force: true });
    total -= file.size;
  }
}
