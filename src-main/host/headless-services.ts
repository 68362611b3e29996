import { AppEvents } from '../api/app-events';
import type { AppServices } from '../api/handlers';
import { ChatService } from '../chat/chat-service';
import { type AppHome, openAppHome } from '../core/app-home';
import { openConfSettings } from '../core/conf-settings';
import { appVersion, bundledModelsDir } from '../core/resources';
import { EngineClient } from '../engine/engine-client';
import { engineEnv, forkEngine } from '../engine/fork-engine';
import { ChosenFiles } from '../files/chosen-files';
import { LibraryStore } from '../library/library-store';
import { createModelManager } from '../models/create-manager';

/** The services of the app outside Electron: conf settings, a forked engine, files streamed from `/media/<id>`. */
export function createHeadlessServices(homeRoot: string): AppServices & { home: AppHome } {
  const home = openAppHome(homeRoot);
  const events = new AppEvents();
  // Applies a moved models folder to `home` before anything else reads home.models.
  const models = createModelManager(home);
  models.onProgress((progress) => events.emit('models.progress', progress));
  const base = {
    shell: 'headless' as const,
    version: appVersion(),
    home,
    bundledModels: bundledModelsDir(),
    settings: openConfSettings(home.settings),
    files: new ChosenFiles((id) => `/media/${id}`),
    engine: new EngineClient(forkEngine(engineEnv(home.cache))),
    events,
    models,
  };
  return { ...base, chat: new ChatService({ ...base, store: new LibraryStore(home.library) }) };
}
