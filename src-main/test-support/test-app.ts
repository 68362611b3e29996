import type { AppServices } from '../api/app-services';
import { createApp } from '../compose/app';
import { createSettingsStore } from '../core/settings';
import { tempDir } from './temp-dir';

/**
 * The app's services from the composition root, for tests that need no engine process: settings in memory, an
 * engine that refuses to start. Dispose it like the real one.
 */
export function createTestApp(options: { homeRoot?: string; shell?: AppServices['shell']; bundledModels?: string } = {}): AppServices {
  const values = new Map<string, unknown>();
  return createApp({
    shell: options.shell ?? 'headless',
    version: '0.0.0-test',
    homeRoot: options.homeRoot ?? tempDir(),
    openSettings: () => createSettingsStore({ get: (key) => values.get(key), set: (key, value) => values.set(key, value) }),
    mediaUrl: (id) => `/media/${id}`,
    launchEngine: () => () => {
      throw new Error('not started in this test');
    },
    ...(options.bundledModels ? { bundledModels: options.bundledModels } : {}),
  });
}
