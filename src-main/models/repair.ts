import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ApiError } from '../../src-common/api/errors';
import type { BundleManifest } from './bundle-manifest';
import type { PullPlan } from './hub';
import { readSourceRecord } from './install';
import { fetchVerified, type PullOptions } from './pull';
import { STAGING } from './staging';
import type { FileProblem } from './verify';

/**
 * Re-downloads only the bad files of an installed model from the hub commit it came from, each verified into a
 * staging folder and then renamed over the bad copy. Models imported from a pack have no source to repair from.
 */
export async function repairModel(modelDir: string, manifest: BundleManifest, problems: FileProblem[], options: PullOptions): Promise<string[]> {
  if (problems.length === 0) return [];
  const source = readSourceRecord(modelDir);
  if (!source && existsSync(join(modelDir, '.diffa-build.json')))
    throw new ApiError('unsupported', `${manifest.id} was built on this machine from its checkpoints: remove it and pull it again to rebuild it`, {
      files: problems.map((p) => p.path),
    });
  if (!source)
    throw new ApiError('unsupported', `${manifest.id} was not downloaded from a hub, so it cannot be repaired here: import it again from its pack`, {
      files: problems.map((p) => p.path),
    });
  const bad = new Set(problems.map((p) => p.path));
  const plan: PullPlan = {
    id: manifest.id,
    name: manifest.name,
    endpoint: source.endpoint,
    repo: source.repo,
    revision: source.revision,
    commit: source.commit,
    files: manifest.files.filter((f) => bad.has(f.path)),
  };
  const staging = join(options.modelsDir, STAGING, `${manifest.id}-repair`);
  mkdirSync(staging, { recursive: true });
  const repaired: string[] = [];
  for (const file of plan.files) {
    await fetchVerified(plan, file, staging, options, () => {});
    mkdirSync(dirname(join(modelDir, file.path)), { recursive: true });
    renameSync(join(staging, file.path), join(modelDir, file.path));
    repaired.push(file.path);
  }
  rmSync(staging, { recursive: true, force: true });
  return repaired;
}
