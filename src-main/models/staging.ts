import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { RangeMap } from './range-map';

/**
 * `<models>/.staging/<id>/`: a download in progress. `state.json` records what is being fetched (pinned to one
 * commit) so a later run — after a quit, a crash or a reboot — resumes the same bytes; `bundle/` holds finished
 * files under their final names and unfinished ones as `<name>.part`. The folder only becomes `<models>/<id>` by a
 * rename once every file is verified, so nothing in here is ever listed as installed.
 */
export const STAGING = '.staging';

export const StagingStateSchema = z.object({
  version: z.literal(1),
  id: z.string(),
  name: z.string(),
  source: z.object({ endpoint: z.string(), repo: z.string(), revision: z.string(), commit: z.string() }).nullable(),
  files: z.array(z.object({ path: z.string(), size: z.number().int().nonnegative(), sha256: z.string() })),
  createdAt: z.string(),
});
export type StagingState = z.infer<typeof StagingStateSchema>;

export const stagingDir = (modelsDir: string, id: string) => join(modelsDir, STAGING, id);
export const stagingBundle = (modelsDir: string, id: string) => join(stagingDir(modelsDir, id), 'bundle');
export const partPath = (path: string) => `${path}.part`;

export function readStagingState(modelsDir: string, id: string): StagingState | null {
  try {
    return StagingStateSchema.parse(JSON.parse(readFileSync(join(stagingDir(modelsDir, id), 'state.json'), 'utf8')));
  } catch {
    return null;
  }
}

export function writeStagingState(modelsDir: string, state: StagingState): void {
  const path = join(stagingDir(modelsDir, state.id), 'state.json');
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, JSON.stringify(state, null, 2));
  renameSync(`${path}.tmp`, path);
}

/** Every download left unfinished, with how many of its bytes are already on disk. */
export function listStaged(modelsDir: string): { state: StagingState; bytesOnDisk: number }[] {
  const root = join(modelsDir, STAGING);
  if (!existsSync(root)) return [];
  const found: { state: StagingState; bytesOnDisk: number }[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const state = readStagingState(modelsDir, entry.name);
    if (state) found.push({ state, bytesOnDisk: bytesOnDisk(modelsDir, state) });
  }
  return found;
}

/** Bytes of the listed files already present, finished or partial (what a resume will not fetch again). */
export function bytesOnDisk(modelsDir: string, state: Pick<StagingState, 'id' | 'files'>): number {
  const bundle = stagingBundle(modelsDir, state.id);
  let total = 0;
  for (const file of state.files) {
    const path = join(bundle, file.path);
    const size = sizeOf(path) ?? RangeMap.bytesOnDisk(partPath(path)) ?? 0;
    total += Math.min(size, file.size);
  }
  return total;
}

export const sizeOf = (path: string): number | undefined => (existsSync(path) ? statSync(path).size : undefined);

export function removeStaging(modelsDir: string, id: string): void {
  rmSync(stagingDir(modelsDir, id), { recursive: true, force: true });
}
