import { join } from 'node:path';
import { type AppHome, openAppHome, resolveHomeRoot } from '../core/app-home';
import { bundledModelsDir } from '../core/resources';
import { ModelManager, type ModelManagerOptions } from './manager';
import { applyModelsDir } from './model-settings';

/** The app's catalog ships beside the bundled models, so packaging already includes (and unpacks) it. */
export const appCatalogPath = (bundledDir: string) => join(bundledDir, 'catalog.json');

/** A model manager over an app home, honouring a moved models folder. */
export function createModelManager(home: AppHome, extra: Partial<ModelManagerOptions> = {}): ModelManager {
  applyModelsDir(home);
  const bundledDir = extra.bundledDir ?? bundledModelsDir();
  return new ModelManager({ home, bundledDir, catalogPath: appCatalogPath(bundledDir), ...extra });
}

export const managerForHome = (homeFlag: string | undefined) => createModelManager(openAppHome(resolveHomeRoot(homeFlag)));
