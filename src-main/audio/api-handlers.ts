import type { AppServices, Handlers } from '../api/app-services';

type AudioMethods = 'audio.describe' | 'audio.peaks' | 'audio.samples' | 'audio.facts';

/**
 * The audio workspace's contract methods. Files are reached only through the ids the user's choices created; the
 * service is the app's one AudioService (it caches peaks under `<home>/cache/peaks`).
 */
export function audioHandlers(services: AppServices): Pick<Handlers, AudioMethods> {
  const { audio } = services;
  const pathOf = (id: string) => services.files.get(id).path;
  return {
    'audio.describe': async ({ id }) => audio.describe(pathOf(id), id),
    'audio.peaks': async ({ id, ...window }) => audio.peaks(pathOf(id), id, window),
    'audio.samples': async ({ id, ...window }) => audio.samples(pathOf(id), window),
    'audio.facts': async ({ id, start, end }) => audio.facts(pathOf(id), start, end),
  };
}
