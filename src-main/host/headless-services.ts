import { AppEvents } from '../api/app-events';
import type { AppServices } from '../api/handlers';
import { type AppHome, openAppHome } from '../core/app-home';
import { openConfSettings } from '../core/conf-settings';
import { appVersion, bundledModelsDir } from '../core/resources';
import { EngineClient } from '../engine/engine-client';
import { engineEnv, forkEngine } from '../engine/fork-engine';
import { ChosenFiles } from '../files/chosen-files';

/** The services of the app outside Electron: conf settings, a forked engine, files streamed from `/media/<id>`. */
export function createHeadlessServices(homeRoot: string): AppServices & { home: AppHome } {
  const home = openAppHome(homeRoot);
  return {
    shell: 'headless',
    version: appVersion(),
    home,
    bundledModels: bundledModelsDir(),
    settings: openConfSettings(home.settings),
    files: new ChosenFiles((id) => `/media/${id}`),
    engine: new EngineClient(forkEngine(engineEnv(home.cache))),
    events: new AppEvents(),
  };
}
