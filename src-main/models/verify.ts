import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../../src-common/api/errors';
import { loadBundle } from './bundle';
import { type BundleManifest, BundleManifestSchema } from './bundle-manifest';
import { sha256File } from './sha256';

export interface FileProblem {
  path: string;
  problem: 'missing' | 'wrong-size' | 'wrong-hash';
  detail: string;
}

/**
 * Checks every file of an installed model and reports all that are bad (not just the first), so a repair can
 * re-fetch exactly those. Unlike `verifyBundle` it tolerates missing and wrong-sized files, which are the
 * interesting cases here.
 */
export async function checkModel(
  dir: string,
  onFile?: (path: string, index: number, total: number) => void,
): Promise<{ manifest: BundleManifest; problems: FileProblem[] }> {
  let manifest: BundleManifest;
  try {
    manifest = loadBundle(dir).manifest;
  } catch (error) {
    // loadBundle stops at a missing or short file; read the manifest alone to list every problem.
    if (!(error instanceof ApiError) || error.details?.file === 'manifest.json') throw error;
    manifest = BundleManifestSchema.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
  }
  const problems: FileProblem[] = [];
  for (const [index, file] of manifest.files.entries()) {
    onFile?.(file.path, index, manifest.files.length);
    const path = join(dir, file.path);
    if (!existsSync(path)) {
      problems.push({ path: file.path, problem: 'missing', detail: 'missing' });
      continue;
    }
    const size = statSync(path).size;
    if (size !== file.size) {
      problems.push({ path: file.path, problem: 'wrong-size', detail: `${size} bytes instead of ${file.size}` });
      continue;
    }
    const actual = await sha256File(path);
    if (actual !== file.sha256) problems.push({ path: file.path, problem: 'wrong-hash', detail: `SHA-256 ${actual} instead of ${file.sha256}` });
  }
  return { manifest, problems };
}
