import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { ModelSummary } from '../../src-common/api/schemas';

/** The part of a bundle manifest needed to list a model (full validation happens when the engine loads it). */
const ManifestSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  version: z.string().default('unknown'),
  licence: z.string(),
  description: z.string().default(''),
  files: z.array(z.object({ path: z.string(), size: z.number().int().nonnegative() })).default([]),
});

export interface InstalledModel extends ModelSummary {
  dir: string;
}

/** Lists model bundles: the ones shipped with the app first, then those installed in the user's models folder. */
export function listInstalledModels(bundledDir: string, userDir: string): InstalledModel[] {
  const found = new Map<string, InstalledModel>();
  for (const [root, bundled] of [
    [bundledDir, true],
    [userDir, false],
  ] as const) {
    if (!existsSync(root)) continue;
    for (const entry of readdirSync(root, { withFileTypes: true })) {
      // `.staging` (downloads and imports in progress) and `.trash` (deletes in progress) are never models.
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const dir = join(root, entry.name);
      const model = readSummary(dir, bundled);
      if (model && !found.has(model.id)) found.set(model.id, model);
    }
  }
  return [...found.values()];
}

function readSummary(dir: string, bundled: boolean): InstalledModel | null {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) return null;
  try {
    const manifest = ManifestSummarySchema.parse(JSON.parse(readFileSync(manifestPath, 'utf8')));
    const sizeBytes = manifest.files.reduce((sum, file) => sum + file.size, 0);
    return {
      id: manifest.id,
      name: manifest.name,
      version: manifest.version,
      licence: manifest.licence,
      description: manifest.description,
      bundled,
      sizeBytes,
      dir,
    };
  } catch {
    // A broken manifest is reported by `models verify`; it must not hide the other models here.
    return null;
  }
}
