import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { ApiError } from '../../src-common/api/errors';
import type { AudioFileRef } from '../../src-common/api/schemas';
import { audioHandlers } from '../audio/api-handlers';
import { interchangeHandlers } from '../interchange/api-handlers';
import { modelHandlers } from '../models/api-handlers';
import { loadBundle } from '../models/bundle';
import { apiDecodingDefaults, capabilitiesOf } from '../models/bundle-manifest';
import { listInstalledModels } from '../models/installed-models';
import type { AppServices, Handlers } from './app-services';

export type { AppServices, Handlers };

/** Opens a file the user chose and remembers it in the recent list. */
export async function openChosenFile(services: AppServices, path: string, displayName?: string): Promise<AudioFileRef> {
  const ref = await services.files.add(path, displayName);
  services.settings.addRecentFile(services.files.get(ref.id).path);
  return ref;
}

/** The implementation of every contract method; transports only validate and route to these. */
export function createHandlers(services: AppServices): Handlers {
  const { settings, files, engine, home } = services;
  return {
    'app.info': async () => ({ name: 'Diffa Studio', version: services.version, shell: services.shell, platform: process.platform, home: home.root }),
    'settings.get': async () => settings.get(),
    'settings.update': async (patch) => settings.update(patch),
    'files.list': async () => files.list(),
    'files.recent': async () => settings.get().recentFiles.map((path, index) => ({ index, name: basename(path), exists: existsSync(path) })),
    'files.openRecent': async ({ index }) => {
      const path = settings.get().recentFiles[index];
      if (!path) throw new ApiError('not_found', `There is no recent file number ${index + 1}`);
      return openChosenFile(services, path);
    },
    'files.openDialog': async () => {
      if (!services.showOpenDialog) throw new ApiError('unsupported', 'The headless host has no open dialog: drop a file on the page or use the file picker');
      const paths = await services.showOpenDialog();
      const opened: AudioFileRef[] = [];
      for (const path of paths) opened.push(await openChosenFile(services, path));
      return opened;
    },
    'files.close': async ({ id }) => {
      files.get(id);
      files.remove(id);
      return { ok: true as const };
    },
    'models.list': async () => listInstalledModels(services.bundledModels, home.models).map(({ dir: _dir, ...summary }) => summary),
    'engine.status': async () => engine.status(),
    ...modelHandlers(services),
    ...audioHandlers(services),
    ...interchangeHandlers(services),
    'library.get': async ({ id }) => services.chat.library(id),
    'regions.save': async ({ fileId, region }) => services.chat.saveRegion(fileId, region),
    'regions.delete': async ({ fileId, regionId }) => services.chat.deleteRegion(fileId, regionId),
    'chat.ask': async (params) => services.chat.ask(params),
    'chat.redenoise': async ({ fileId, exchangeId, belowConfidence }) => services.chat.redenoise(fileId, exchangeId, belowConfidence),
    'chat.cancel': async ({ exchangeId }) => ({ cancelled: await services.chat.cancel(exchangeId) }),
    'models.details': async ({ id }) => {
      // Only the ids of installed models: the page never names a folder (resolveModelDir would accept one).
      const installed = listInstalledModels(services.bundledModels, home.models).find((m) => m.id === id);
      if (!installed) throw new ApiError('not_found', `No installed model "${id}"`);
      const { manifest: m } = loadBundle(installed.dir);
      return {
        id: m.id,
        name: m.name,
        version: m.version,
        licence: m.licence,
        description: m.description,
        decoding: apiDecodingDefaults(m.decoding),
        suggestedQuestions: m.suggested_questions,
        tasks: m.tasks,
        chunkSeconds: m.audio.chunk_s,
        capabilities: capabilitiesOf(m),
      };
    },
  };
}
