import { DisposableStore, toDisposable } from '../../src-common/lifecycle';
import { AppEvents } from '../api/app-events';
import type { AppServices } from '../api/app-services';
import { AudioService } from '../audio/audio-service';
import { ChatService } from '../chat/chat-service';
import { type AppHome, openAppHome } from '../core/app-home';
import { bundledModelsDir } from '../core/resources';
import type { SettingsStore } from '../core/settings';
import { EngineClient, type EngineLauncher } from '../engine/engine-client';
import { engineEnv } from '../engine/fork-engine';
import { ChosenFiles } from '../files/chosen-files';
import { BatchService } from '../interchange/batch-service';
import { LibraryStore } from '../library/library-store';
import { createModelManager } from '../models/create-manager';

/** What differs between the Electron shell, the headless host and the CLI: everything else is built the same. */
export interface ShellParts {
  shell: AppServices['shell'];
  version: string;
  homeRoot: string;
  /** Where this shell keeps its settings (electron-store or conf; the same file either way). */
  openSettings: (home: AppHome) => SettingsStore;
  /** The URL a chosen file streams from (diffa-media:// or /media/). */
  mediaUrl: (id: string) => string;
  /** How the engine process starts (utilityProcess or a forked child), given its environment. */
  launchEngine: (env: Record<string, string>) => EngineLauncher;
  bundledModels?: string;
  showOpenDialog?: () => Promise<string[]>;
  showImportDialog?: () => Promise<string[]>;
}

/**
 * The composition root: creates every service of the app once, in dependency order, wires the events they publish
 * into the one `AppEvents` that transports forward, and disposes everything in reverse with `dispose()`.
 */
export function createApp(parts: ShellParts): AppServices {
  const owned = new DisposableStore();
  const home = openAppHome(parts.homeRoot);
  const events = new AppEvents();
  // Applies a moved models folder to `home` before anything else reads home.models.
  const models = owned.add(createModelManager(home));
  const settings = parts.openSettings(home);
  const files = new ChosenFiles(parts.mediaUrl);
  const engine = owned.add(new EngineClient(parts.launchEngine(engineEnv(home.cache))));
  const bundledModels = parts.bundledModels ?? bundledModelsDir();
  const core = { home, events, settings, files, engine, bundledModels };
  const audio = new AudioService(home.cache, (progress) => events.emit('audio.peaksProgress', progress));
  const chat = owned.add(new ChatService({ ...core, audio, store: new LibraryStore(home.library) }));
  const batch = owned.add(new BatchService(core));

  // State changes become events here, once; the transports only forward `events`.
  for (const off of [
    files.onChange((list) => events.emit('files.changed', list)),
    settings.onChange((next) => events.emit('settings.changed', next)),
    engine.onStatus((status) => events.emit('engine.status', status)),
    models.onProgress((progress) => events.emit('models.progress', progress)),
  ]) {
    owned.add(toDisposable(off));
  }

  return {
    ...core,
    shell: parts.shell,
    version: parts.version,
    chat,
    audio,
    batch,
    models,
    ...(parts.showOpenDialog ? { showOpenDialog: parts.showOpenDialog } : {}),
    ...(parts.showImportDialog ? { showImportDialog: parts.showImportDialog } : {}),
    dispose: () => owned.dispose(),
  };
}
