import { readdirSync, rmSync, statSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** `<name>.<pid>.<ms>.tmp`: what `writeFileAtomic` writes before the rename. */
const TEMP_NAME = /^(.+)\.(\d+)\.(\d+)\.tmp$/;
/** No save takes this long: a temporary file older than this is left over, whoever's pid it names. */
const ABANDONED_AFTER_MS = 10 * 60_000;

/**
 * Writes a file so that a crash at any moment leaves either the old content or the new, never a mix: write a
 * temporary file beside it, flush it to disk, then rename it over the original (atomic on POSIX and NTFS).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  // The pid in the name tells a later start whether the writer is still alive (see removeInterruptedWrites).
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

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, but another user's
  }
};

/**
 * Removes the temporary files of writes that never reached their rename (the process was killed mid-save), so they do
 * not pile up. A temporary file is removed when the process that wrote it is gone, or when it is older than any save
 * takes; one a live process (another window, a CLI command) is writing right now is left alone. The documents
 * themselves are never touched: the atomic rename means each holds its last complete save. Returns how many went.
 */
export function removeInterruptedWrites(dir: string, now = Date.now()): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0; // no folder yet: nothing was ever saved
  }
  let removed = 0;
  for (const name of names) {
    const match = TEMP_NAME.exec(name);
    if (!match) continue;
    const path = join(dir, name);
    try {
      const pid = Number(match[2]);
      const abandoned = now - statSync(path).mtimeMs > ABANDONED_AFTER_MS;
      if (abandoned || !isAlive(pid)) {
        rmSync(path, { force: true });
        removed++;
      }
    } catch {
      // gone already (its writer finished or another start cleaned it)
    }
  }
  return removed;
}
