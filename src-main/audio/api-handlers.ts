import type { AppServices, Handlers } from '../api/handlers';
import { AudioService } from './audio-service';

type AudioMethods = 'audio.describe' | 'audio.peaks' | 'audio.samples' | 'audio.facts';

/**
 * The audio workspace's contract methods. Files are reached only through the ids the user's choices created; the
 * service lives as long as the handlers do (one per host or window), and caches peaks under `<home>/cache/peaks`.
 */
export function audioHandlers(services: AppServices): Pick<Handlers, AudioMethods> {
  const audio = new AudioService(services.home.cache, (progress) => services.events.emit('audio.peaksProgress', progress));
  const pathOf = (id: string) => services.files.get(id).path;
  return {
    'audio.describe': async ({ id }) => audio.describe(pathOf(id), id),
    'audio.peaks': async ({ id, ...window }) => audio.peaks(pathOf(id), id, window),
    'audio.samples': async ({ id, ...window }) => audio.samples(pathOf(id), window),
    'audio.facts': async ({ id, start, end }) => audio.facts(pathOf(id), start, end),
  };
}
