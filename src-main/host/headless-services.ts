import type { AppServices } from '../api/app-services';
import { createApp } from '../compose/app';
import { openConfSettings } from '../core/conf-settings';
import { appVersion } from '../core/resources';
import type { EngineLauncher } from '../engine/engine-client';
import { forkEngine } from '../engine/fork-engine';

/**
 * The app outside Electron (the headless host and the CLI): conf settings, a forked engine (or another launcher:
 * `diffa ask` runs its one question in process), files from `/media/<id>`.
 */
export function createHeadlessApp(homeRoot: string, launchEngine: (env: Record<string, string>) => EngineLauncher = forkEngine): AppServices {
  return createApp({
    shell: 'headless',
    version: appVersion(),
    homeRoot,
    openSettings: (home) => openConfSettings(home.settings),
    mediaUrl: (id) => `/media/${id}`,
    launchEngine,
  });
}
