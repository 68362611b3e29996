import { z } from 'zod';
import { HEARD_PARTS } from '../audio/heard-part';
import { PROVIDER_PREFERENCES } from '../decoding/providers';

/** Data shapes shared by requests, replies and events. */

export const ThemeSchema = z.enum(['system', 'light', 'dark']);

export const SettingsSchema = z.object({
  theme: ThemeSchema,
  /** Execution provider the engine should use; 'auto' tries the platform's list in order. */
  provider: z.enum(PROVIDER_PREFERENCES),
  reducedMotion: z.boolean(),
  /** How the chat decodes unless a question says otherwise: faithful (one token per step) or fast (the model's parallel sampler). */
  decodingPreset: z.enum(['faithful', 'fast']),
  /** Which part of a region longer than the model hears it is given (src-common/audio/heard-part.ts says why 'start'). */
  heardPart: z.enum(HEARD_PARTS),
  /** The live denoising view: 'readable' holds each step on screen for a moment; 'immediate' shows steps as they come. */
  stepPace: z.enum(['readable', 'immediate']),
  recentFiles: z.array(z.string()).max(20),
});
export type Settings = z.infer<typeof SettingsSchema>;

export const SettingsPatchSchema = SettingsSchema.omit({ recentFiles: true }).partial().strict();
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

export const AudioFileRefSchema = z.object({
  /** Opaque id: the renderer never sees or sends file paths, only ids of files the user chose. */
  id: z.string().min(1).max(64),
  name: z.string(),
  size: z.number().int().nonnegative(),
  mime: z.string(),
  /** URL the renderer's media element streams from (HTTP Range supported). */
  mediaUrl: z.string(),
});
export type AudioFileRef = z.infer<typeof AudioFileRefSchema>;

export const RecentFileSchema = z.object({ index: z.number().int().nonnegative(), name: z.string(), exists: z.boolean() });
export type RecentFile = z.infer<typeof RecentFileSchema>;

export const ModelSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  version: z.string(),
  licence: z.string(),
  description: z.string(),
  bundled: z.boolean(),
  sizeBytes: z.number().int().nonnegative(),
});
export type ModelSummary = z.infer<typeof ModelSummarySchema>;

export const BackendSchema = z.object({
  name: z.string(),
  bundled: z.boolean(),
  /** Why this machine cannot use it (e.g. no Vulkan driver for WebGPU); absent when it may be used. */
  unusable: z.string().optional(),
});

export const EngineStatusSchema = z.object({
  state: z.enum(['starting', 'ready', 'crashed', 'stopped']),
  pid: z.number().int().nullable(),
  restarts: z.number().int().nonnegative(),
  onnxruntime: z.string().nullable(),
  backends: z.array(BackendSchema),
  lastError: z.string().nullable(),
});
export type EngineStatus = z.infer<typeof EngineStatusSchema>;

export const AppInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  shell: z.enum(['electron', 'headless']),
  platform: z.string(),
  home: z.string(),
});
export type AppInfo = z.infer<typeof AppInfoSchema>;
