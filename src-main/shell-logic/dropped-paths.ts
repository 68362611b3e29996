import { isAbsolute } from 'node:path';

/** The most files one drop may open. */
export const MAX_DROPPED_FILES = 64;
const MAX_PATH_LENGTH = 4096;

/**
 * Validates what the preload sends on the `diffa:open-dropped` channel: an array of absolute paths that
 * webUtils.getPathForFile resolved. Anything else (a compromised page calling ipc directly is not possible with
 * contextIsolation, but the main side trusts no message) is refused with an Error saying why.
 */
export function parseDroppedPaths(raw: unknown): string[] {
  if (!Array.isArray(raw)) throw new Error('Dropped files must be a list of paths');
  if (raw.length > MAX_DROPPED_FILES) throw new Error(`Too many files dropped at once (${raw.length}; at most ${MAX_DROPPED_FILES})`);
  const paths: string[] = [];
  for (const item of raw) {
    // Files that are not on disk (text, a browser image) have no path: getPathForFile gives ''. Skip them.
    if (item === '') continue;
    if (typeof item !== 'string' || item.length > MAX_PATH_LENGTH || item.includes('\0') || !isAbsolute(item)) {
      throw new Error('A dropped file has an invalid path');
    }
    paths.push(item);
  }
  return [...new Set(paths)];
}
