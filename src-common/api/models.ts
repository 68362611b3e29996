import { z } from 'zod';

/** Shapes of the model manager's API (methods `models.*`, `hardware.info`, event `models.progress`). */

export const ModelIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/)
  .max(200);

export const FileProgressSchema = z.object({
  path: z.string(),
  bytesDone: z.number().nonnegative(),
  bytesTotal: z.number().nonnegative(),
  speedBps: z.number().nonnegative(),
  etaSeconds: z.number().nonnegative().nullable(),
});
export type FileProgressData = z.infer<typeof FileProgressSchema>;

export const PullProgressSchema = z.object({
  id: z.string(),
  name: z.string(),
  state: z.enum(['resolving', 'downloading', 'verifying', 'building', 'installing', 'paused', 'installed', 'failed', 'cancelled']),
  bytesDone: z.number().nonnegative(),
  bytesTotal: z.number().nonnegative(),
  speedBps: z.number().nonnegative(),
  etaSeconds: z.number().nonnegative().nullable(),
  filesDone: z.number().int().nonnegative(),
  filesTotal: z.number().int().nonnegative(),
  /** The files being transferred now. */
  active: z.array(FileProgressSchema),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  /** A model built on this machine: its steps (download the checkpoints, build the bundle); bytes are the current step's. */
  steps: z.array(z.object({ name: z.enum(['download', 'build']), label: z.string(), state: z.enum(['pending', 'running', 'done']) })).optional(),
});
export type PullProgressData = z.infer<typeof PullProgressSchema>;

export const PullStartedSchema = z.object({
  id: z.string(),
  name: z.string(),
  repo: z.string(),
  commit: z.string(),
  bytesTotal: z.number().nonnegative(),
  filesTotal: z.number().int().nonnegative(),
});

export const ModelFitSchema = z.object({
  verdict: z.enum(['gpu', 'cpu', 'too-big']),
  needRamBytes: z.number().nonnegative(),
  needVramBytes: z.number().nonnegative(),
  reason: z.string(),
});

export const CatalogListingSchema = z.object({
  id: z.string(),
  name: z.string(),
  licence: z.string(),
  description: z.string(),
  sizeBytes: z.number().nonnegative(),
  bundled: z.boolean(),
  origin: z.enum(['catalog', 'user', 'installed']),
  source: z.string().nullable(),
  status: z.enum(['installed', 'partial', 'available']),
  bytesOnDisk: z.number().nonnegative(),
  recommendedProvider: z.string().nullable(),
  fit: ModelFitSchema.nullable(),
  /** How the memory figures were obtained (measured, or estimated from what). */
  memoryBasis: z.string().nullable(),
  /** A model built on this machine from released checkpoints (download, then build), or null for a bundle download. */
  build: z
    .object({
      arch: z.string(),
      dtype: z.string(),
      downloadBytes: z.number().nonnegative(),
      /** Free disk needed at the peak: checkpoints and bundle side by side. */
      diskNeededBytes: z.number().nonnegative(),
      repos: z.array(z.string()),
      /** Why this version of the app cannot build it, or null. */
      unavailable: z.string().nullable(),
    })
    .nullable(),
});

export const VerifyReportSchema = z.object({
  id: z.string(),
  ok: z.boolean(),
  problems: z.array(z.object({ path: z.string(), problem: z.enum(['missing', 'wrong-size', 'wrong-hash']), detail: z.string() })),
  repaired: z.array(z.string()),
});

export const HardwareInfoSchema = z.object({
  platform: z.string(),
  arch: z.string(),
  cpu: z.object({ model: z.string(), cores: z.number().int().nonnegative() }),
  ram: z.object({ totalBytes: z.number().nonnegative(), freeBytes: z.number().nonnegative() }),
  gpus: z.array(
    z.object({
      name: z.string(),
      vendor: z.enum(['nvidia', 'amd', 'intel', 'apple', 'other']),
      memoryBytes: z.number().nonnegative().nullable(),
      source: z.string(),
    }),
  ),
  providers: z.array(z.object({ name: z.string(), bundled: z.boolean(), usable: z.boolean(), reason: z.string() })),
  /** Memory fit of every catalog model on this machine. */
  fits: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      fit: ModelFitSchema,
      /** Disk the installed model takes. */
      diskBytes: z.number().nonnegative(),
      /** Free disk a model built here needs while building (checkpoints and bundle side by side), or null. */
      buildDiskBytes: z.number().nonnegative().nullable(),
      /** How the memory figures were obtained, or null (then they are the rule of thumb). */
      basis: z.string().nullable(),
    }),
  ),
});
