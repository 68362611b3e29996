import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ApiError } from '../../src-common/api/errors';

/**
 * Moves everything in the models folder (installed models, unfinished downloads, the user's catalog) to `target`.
 * A rename when both are on the same filesystem; across devices (EXDEV) each entry is copied and only then deleted,
 * so an interrupted move leaves every model complete in one of the two places.
 */
export function moveModelsFolder(from: string, to: string, rename: typeof renameSync = renameSync): { moved: string[] } {
  const target = resolve(to);
  if (resolve(from) === target) throw new ApiError('bad_request', `The models folder is already ${target}`);
  if (target.startsWith(`${resolve(from)}/`)) throw new ApiError('bad_request', 'The new models folder cannot be inside the current one');
  mkdirSync(target, { recursive: true });
  const entries = existsSync(from) ? readdirSync(from) : [];
  const clash = entries.filter((name) => existsSync(join(target, name)));
  if (clash.length > 0) throw new ApiError('bad_request', `${target} already has ${clash.join(', ')}; choose an empty folder`);
  const moved: string[] = [];
  for (const name of entries) {
    const source = join(from, name);
    const destination = join(target, name);
    try {
      rename(source, destination);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      const temp = `${destination}.moving`;
      cpSync(source, temp, { recursive: true, preserveTimestamps: true });
      renameSync(temp, destination);
      rmSync(source, { recursive: true, force: true });
    }
    moved.push(name);
  }
  return { moved };
}
