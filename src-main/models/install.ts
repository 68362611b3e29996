import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ApiError } from '../../src-common/api/errors';
import { loadBundle } from './bundle';

/** Where an installed model came from, so `verify --repair` can re-fetch only the bad files. */
export const SourceRecordSchema = z.object({
  endpoint: z.string(),
  repo: z.string(),
  revision: z.string(),
  commit: z.string(),
  installedAt: z.string(),
});
export type SourceRecord = z.infer<typeof SourceRecordSchema>;
export const SOURCE_FILE = '.diffa-source.json';

export function readSourceRecord(modelDir: string): SourceRecord | null {
  try {
    return SourceRecordSchema.parse(JSON.parse(readFileSync(join(modelDir, SOURCE_FILE), 'utf8')));
  } catch {
    return null;
  }
}

/**
 * Moves a fully verified bundle folder into `<models>/<id>` with renames only, so the model appears complete or not
 * at all. An older install of the same id is moved aside first and deleted after; on a crash in between, the old
 * copy survives in `.trash` rather than being lost.
 */
export function installBundle(stagedBundle: string, modelsDir: string, id: string, source?: SourceRecord): string {
  const bundle = loadBundle(stagedBundle);
  if (bundle.manifest.id !== id) throw new ApiError('bad_model', `The bundle's manifest says id "${bundle.manifest.id}", expected "${id}"`);
  if (source) writeFileSync(join(stagedBundle, SOURCE_FILE), JSON.stringify(source, null, 2));
  const target = join(modelsDir, id);
  let old: string | undefined;
  if (existsSync(target)) {
    const trash = join(modelsDir, '.trash');
    mkdirSync(trash, { recursive: true });
    old = join(trash, `${id}-${Date.now()}`);
    renameSync(target, old);
  }
  try {
    renameSync(stagedBundle, target);
  } catch (error) {
    if (old) renameSync(old, target);
    throw error;
  }
  if (old) rmSync(old, { recursive: true, force: true });
  return target;
}

/** Deletes a model: renamed away first, so a half-deleted folder is never listed. */
export function removeInstalled(modelsDir: string, id: string): void {
  const target = join(modelsDir, id);
  if (!existsSync(target)) throw new ApiError('not_found', `No model "${id}" is installed in ${modelsDir}`);
  const trash = join(modelsDir, '.trash');
  mkdirSync(trash, { recursive: true });
  const doomed = join(trash, `${id}-${Date.now()}`);
  renameSync(target, doomed);
  rmSync(doomed, { recursive: true, force: true });
}
