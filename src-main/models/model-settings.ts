import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import type { AppHome } from '../core/app-home';
import { HubPolicy } from './hub-policy';

/**
 * Model-manager settings, in their own file (`<home>/settings/models.json`) rather than the shared app settings:
 * they hold paths and URLs the page never needs to see, and the models folder must be known before anything else.
 */
export const ModelSettingsSchema = z.object({
  /** Where installed models live (`models move` sets it); default `<home>/models`. */
  modelsDir: z.string().optional(),
  /** A Hugging Face-compatible hub or mirror; `HF_ENDPOINT` wins when set. */
  hubEndpoint: z.string().url().optional(),
  /** Proxy URL for every download; the standard proxy variables apply when this is absent. */
  proxy: z.string().url().optional(),
  /** Hosts that bypass the proxy (same syntax as NO_PROXY). */
  noProxy: z.string().optional(),
  /** PEM file of extra CA certificates (a corporate TLS inspector), added to Node's own roots. */
  caFile: z.string().optional(),
  /** More hubs (mirrors) pulls may use besides the main one; nothing else is ever downloaded from. */
  mirrors: z.array(z.string().url()).optional(),
  /** Seconds without a byte before a download connection counts as stalled and is retried (like curl's --speed-time). */
  stallSeconds: z.number().positive().max(3600).optional(),
  /** Connections for one large file, each fetching its own byte ranges (1: every file as one stream). */
  connections: z.number().int().min(1).max(16).optional(),
  /** Files larger than this many megabytes (10^6 bytes) are fetched over `connections` connections. */
  splitAboveMB: z.number().positive().optional(),
});
export type ModelSettings = z.infer<typeof ModelSettingsSchema>;

const settingsPath = (home: AppHome) => join(home.settings, 'models.json');

export function readModelSettings(home: AppHome): ModelSettings {
  try {
    return ModelSettingsSchema.parse(JSON.parse(readFileSync(settingsPath(home), 'utf8')));
  } catch {
    return {};
  }
}

/** Merges `patch` into the stored settings (or, with `replace`, stores it as is: keys set to undefined are cleared). */
export function writeModelSettings(home: AppHome, patch: ModelSettings, replace = false): ModelSettings {
  const next = ModelSettingsSchema.parse(replace ? patch : { ...readModelSettings(home), ...patch });
  const path = settingsPath(home);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, `${JSON.stringify(next, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
  return next;
}

/** The models folder in effect: the moved one if the user moved it, else `<home>/models`. */
export function effectiveModelsDir(home: AppHome): string {
  const moved = readModelSettings(home).modelsDir;
  return moved ? resolve(moved) : join(home.root, 'models');
}

/** Points `home.models` at the folder in effect, so every consumer of AppHome sees a moved models folder. */
export function applyModelsDir(home: AppHome): AppHome {
  home.models = effectiveModelsDir(home);
  mkdirSync(home.models, { recursive: true });
  return home;
}

export const DEFAULT_HUB = 'https://huggingface.co';

/** `HF_ENDPOINT` (the hub libraries' convention) wins over the setting, which wins over huggingface.co. */
export function hubEndpoint(settings: ModelSettings, env: NodeJS.ProcessEnv = process.env): string {
  return (env.HF_ENDPOINT || settings.hubEndpoint || DEFAULT_HUB).replace(/\/+$/, '');
}

/** Where pulls may go: the hub in effect and the user's mirrors. */
export const hubPolicy = (settings: ModelSettings, env: NodeJS.ProcessEnv = process.env) =>
  new HubPolicy([hubEndpoint(settings, env), ...(settings.mirrors ?? [])]);

/** `HF_TOKEN`, else the token file `huggingface-cli login` writes, so a logged-in user needs no extra step. */
export function hubToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.HF_TOKEN) return env.HF_TOKEN.trim();
  const file = env.HF_TOKEN_PATH ?? join(env.HF_HOME ?? join(homedir(), '.cache', 'huggingface'), 'token');
  try {
    return existsSync(file) ? readFileSync(file, 'utf8').trim() || undefined : undefined;
  } catch {
    return undefined;
  }
}
