import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ApiError } from '../../src-common/api/errors';
import { PROVIDER_NAMES } from '../../src-common/decoding/providers';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const RepoId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/);
const HubInput = z.object({ repo: RepoId, revision: z.string().default('main') });

/**
 * A model that is not published as a bundle: its released checkpoints are fetched from their own repos (only what
 * the bundle needs) and built on this machine with the app's builder and the template `templates/<arch>-<dtype>/`.
 */
export const BuildRecipeSchema = z.object({
  arch: z.enum(['diffa2', 'diffa']),
  dtype: z.enum(['fp32', 'fp16', 'int4']),
  /** LLaDA: the safetensors shards named by model.safetensors.index.json, the index and the tokenizer files. */
  llada: HubInput,
  /** Whisper: one safetensors file, of which only the tensors under `tensorPrefix` are fetched, by byte range. */
  whisper: HubInput.extend({
    file: z.string().default('model.safetensors'),
    tensorPrefix: z.string().default('model.encoder.'),
    /** The safetensors dtype every fetched tensor must have (e.g. F16). */
    dtype: z.string().optional(),
    /** The whole file's size at the pinned revision, when known: the hub's listing must agree. */
    fileSize: z.number().int().positive().optional(),
    /** SHA-256 of each fetched tensor's bytes, when known: checked after the fetch. */
    tensorSha256: z.record(z.string(), Sha256).optional(),
  }),
  /** The DIFFA checkpoint (adapters + LoRA). */
  checkpoint: HubInput.extend({ file: z.string().default('pytorch_model.bin') }),
  /** A hub other than the default one (HF_ENDPOINT / setting) for all three; it must be a configured hub. */
  endpoint: z.string().url().optional(),
  /** Bytes fetched from the hubs (approximate until the file lists are read). */
  downloadBytes: z.number().int().nonnegative(),
});
export type BuildRecipe = z.infer<typeof BuildRecipeSchema>;

/** One model the app knows how to get: shipped with the app, pinned in the catalog, or a hub repo the user added. */
export const CatalogEntrySchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  name: z.string(),
  licence: z.string().default('unknown'),
  description: z.string().default(''),
  /** Total bytes on disk (an estimate until the file list is known). */
  sizeBytes: z.number().int().nonnegative().default(0),
  /** Shipped inside the app: nothing to download. */
  bundled: z.boolean().default(false),
  source: z
    .object({
      repo: z.string(),
      revision: z.string().default('main'),
      /** A hub other than the default one (HF_ENDPOINT / setting) for this entry only. */
      endpoint: z.string().url().optional(),
    })
    .optional(),
  /** Pinned files: when present, downloads need no hub API call and every byte is checked against these. */
  files: z.array(z.object({ path: z.string(), size: z.number().int().nonnegative(), sha256: Sha256 })).optional(),
  memory: z
    .object({
      /** Host memory to run it on the CPU provider (weights + activations + runtime). */
      ramBytes: z.number().int().nonnegative(),
      /** GPU memory to run it on a GPU provider. */
      vramBytes: z.number().int().nonnegative(),
      /** How the figures were obtained (measured, or estimated from what), shown beside them. */
      basis: z.string().optional(),
    })
    .optional(),
  recommendedProvider: z.enum(PROVIDER_NAMES).optional(),
  /** Built on this machine from released checkpoints instead of downloaded as a bundle (then `source` is unused). */
  build: BuildRecipeSchema.optional(),
  /** Where the entry came from: the app's catalog file or the user's additions. */
  origin: z.enum(['catalog', 'user']).default('catalog'),
});
export type CatalogEntry = z.infer<typeof CatalogEntrySchema>;

const CatalogFileSchema = z.object({ format: z.literal('diffa-catalog'), version: z.literal(1), models: z.array(CatalogEntrySchema) });

/** The user's additions live beside the models, so they move with the models folder. */
export const userCatalogPath = (modelsDir: string) => join(modelsDir, 'catalog.user.json');

function readCatalogFile(path: string, origin: 'catalog' | 'user'): CatalogEntry[] {
  if (!existsSync(path)) return [];
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ApiError('bad_request', `Catalog ${path} is not valid JSON (${(error as Error).message})`);
  }
  const parsed = CatalogFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiError('bad_request', `Catalog ${path}: ${issue?.path.join('.')} ${issue?.message}`);
  }
  return parsed.data.models.map((m) => ({ ...m, origin }));
}

/** The app's catalog first, then the user's additions (an id already in the app's catalog is not overridden). */
export function loadCatalog(appCatalogPath: string, modelsDir: string): CatalogEntry[] {
  const entries = new Map<string, CatalogEntry>();
  for (const entry of [...readCatalogFile(appCatalogPath, 'catalog'), ...readCatalogFile(userCatalogPath(modelsDir), 'user')]) {
    if (!entries.has(entry.id)) entries.set(entry.id, entry);
  }
  return [...entries.values()];
}

/** Adds (or replaces) one entry in the user's catalog; written atomically so a crash never leaves half a file. */
export function addUserCatalogEntry(modelsDir: string, entry: Omit<CatalogEntry, 'origin'>): void {
  const path = userCatalogPath(modelsDir);
  const models = readCatalogFile(path, 'user')
    .filter((m) => m.id !== entry.id)
    .map(({ origin: _origin, ...rest }) => rest);
  models.push(entry);
  writeFileSync(`${path}.tmp`, `${JSON.stringify({ format: 'diffa-catalog', version: 1, models }, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

export function removeUserCatalogEntry(modelsDir: string, id: string): boolean {
  const path = userCatalogPath(modelsDir);
  const before = readCatalogFile(path, 'user');
  const models = before.filter((m) => m.id !== id).map(({ origin: _origin, ...rest }) => rest);
  if (models.length === before.length) return false;
  writeFileSync(`${path}.tmp`, `${JSON.stringify({ format: 'diffa-catalog', version: 1, models }, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
  return true;
}
