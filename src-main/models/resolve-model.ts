import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ApiError } from '../../src-common/api/errors';
import type { AppHome } from '../core/app-home';
import { bundledModelsDir } from '../core/resources';
import { listInstalledModels } from './installed-models';

/** The bundled model answers when none is named. */
export const DEFAULT_MODEL_ID = 'diffa-tiny';

/** A `--model` argument (a bundle folder, or the id of an installed model) → the bundle's folder. */
export function resolveModelDir(arg: string | undefined, home: AppHome, bundledDir: string = bundledModelsDir()): string {
  const wanted = arg ?? DEFAULT_MODEL_ID;
  if (existsSync(join(wanted, 'manifest.json'))) return resolve(wanted);
  const installed = listInstalledModels(bundledDir, home.models);
  const match = installed.find((m) => m.id === wanted);
  if (match) return match.dir;
  const known = installed.map((m) => m.id).join(', ') || 'none';
  throw new ApiError('not_found', `No model "${wanted}": give a bundle folder or an installed model id (installed: ${known})`);
}
