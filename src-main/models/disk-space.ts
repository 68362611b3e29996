import { statfs } from 'node:fs/promises';
import { ApiError } from '../../src-common/api/errors';
import { formatBytes } from './progress';

export type FreeSpace = (dir: string) => Promise<number>;

/** Bytes available to this user (not to root) on the filesystem holding `dir`. */
export const freeSpace: FreeSpace = async (dir) => {
  const stats = await statfs(dir);
  return Number(stats.bavail) * Number(stats.bsize);
};

/** Refuses to start when the rest of a download would not fit, with room to spare for the filesystem itself. */
export async function ensureSpace(dir: string, needed: number, free: FreeSpace = freeSpace): Promise<void> {
  if (needed <= 0) return;
  const margin = Math.max(64 * 1024 * 1024, Math.round(needed * 0.02));
  const available = await free(dir);
  if (available < needed + margin)
    throw new ApiError(
      'io_error',
      `Not enough disk space in ${dir}: ${formatBytes(needed)} needed (plus ${formatBytes(margin)} to spare), ${formatBytes(available)} free`,
      {
        needed,
        available,
      },
    );
}
