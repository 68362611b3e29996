import type { AppServices } from '../api/app-services';
import { createApp } from '../compose/app';
import { openConfSettings } from '../core/conf-settings';
import { appVersion } from '../core/resources';
import { forkEngine } from '../engine/fork-engine';

/** The app outside Electron (the headless host and the CLI): conf settings, a forked engine, files from `/media/<id>`. */
export function createHeadlessApp(homeRoot: string): AppServices {
  return createApp({
    shell: 'headless',
    version: appVersion(),
    homeRoot,
    openSettings: (home) => openConfSettings(home.settings),
    mediaUrl: (id) => `/media/${id}`,
    launchEngine: forkEngine,
  });
}
