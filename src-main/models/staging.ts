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
  /** A model built from released checkpoints (build-job.ts): what is fetched from where, pinned to commits. */
  build: z.lazy(() => StagedBuildSchema).optional(),
});
export type StagingState = z.infer<typeof StagingStateSchema>;

export const BuildInputFileSchema = z.object({
  path: z.string(),
  size: z.number().int().nonnegative(),
  /** LFS files: the SHA-256 the hub lists. */
  sha256: z.string().optional(),
  /** Other (small) files: the git blob id the hub lists. */
  gitOid: z.string().optional(),
});
export type BuildInputFile = z.infer<typeof BuildInputFileSchema>;

export const BuildInputSchema = z.object({
  role: z.enum(['llada', 'whisper', 'checkpoint']),
  endpoint: z.string(),
  repo: z.string(),
  revision: z.string(),
  commit: z.string(),
  /** Whole files to fetch (LLaDA, the checkpoint), or the one file of which only some tensors are fetched (Whisper). */
  files: z.array(BuildInputFileSchema),
  /** Whisper: only the tensors whose names start with `prefix` are fetched, by byte range, and checked (build-inputs.ts). */
  subset: z
    .object({
      prefix: z.string(),
      /** The safetensors dtype every fetched tensor must have. */
      dtype: z.string().optional(),
      /** Pinned SHA-256 of each fetched tensor, when the catalog knows them. */
      tensorSha256: z.record(z.string(), z.string()).optional(),
      /** Bytes of the subset file, once the remote header has been read. */
      bytes: z.number().int().nonnegative().optional(),
    })
    .optional(),
});
export type BuildInput = z.infer<typeof BuildInputSchema>;

export const StagedBuildSchema = z.object({
  arch: z.enum(['diffa2', 'diffa']),
  dtype: z.enum(['fp32', 'fp16', 'int4']),
  /** Bytes of the finished bundle (the template's data files): what the build step writes. */
  bundleBytes: z.number().int().nonnegative(),
  inputs: z.array(BuildInputSchema),
});
export type StagedBuild = z.infer<typeof StagedBuildSchema>;

/** Where a build job keeps the checkpoints it fetched: `<staging>/inputs/<role>/<path>`. */
export const buildInputsDir = (modelsDir: string, id: string) => join(stagingDir(modelsDir, id), 'inputs');

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
export function bytesOnDisk(modelsDir: string, state: Pick<StagingState, 'id' | 'files' | 'build'>): number {
  if (state.build) return buildBytesOnDisk(modelsDir, state.id, state.build);
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

/** A build job's fetched checkpoint bytes (a Whisper subset counts as its part file grows). */
export function buildBytesOnDisk(modelsDir: string, id: string, build: StagedBuild): number {
  const inputs = buildInputsDir(modelsDir, id);
  let total = 0;
  for (const input of build.inputs) {
    for (const file of input.files) {
      const path = join(inputs, input.role, file.path);
      const size = sizeOf(path) ?? sizeOf(partPath(path)) ?? 0;
      total += input.subset ? size : Math.min(size, file.size);
    }
  }
  return total;
}

/** Bytes a build job fetches in all (a Whisper subset counts as the whole file until its header is read). */
export const buildDownloadBytes = (build: StagedBuild): number =>
  build.inputs.reduce((n, i) => n + (i.subset?.bytes ?? i.files.reduce((m, f) => m + f.size, 0)), 0);
