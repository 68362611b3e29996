import { ApiError } from '../../src-common/api/errors';
import type { AppServices, Handlers } from '../api/app-services';
import { estimateFit } from './fit';
import type { PullPlan } from './hub';
import type { ModelManager } from './manager';

type ModelMethods =
  | 'models.catalog'
  | 'models.pull'
  | 'models.pause'
  | 'models.resume'
  | 'models.cancel'
  | 'models.import'
  | 'models.remove'
  | 'models.verify'
  | 'hardware.info';

const started = ({ plan }: { plan: PullPlan }) => ({
  id: plan.id,
  name: plan.name,
  repo: plan.repo,
  commit: plan.commit,
  bytesTotal: plan.files.reduce((sum, f) => sum + f.size, 0),
  filesTotal: plan.files.length,
});

/** The model manager's contract methods; the host that built `services` decides whether there is a manager. */
export function modelHandlers(services: AppServices): Pick<Handlers, ModelMethods> {
  const manager = (): ModelManager => {
    if (!services.models) throw new ApiError('unsupported', 'This host has no model manager');
    return services.models;
  };
  const ok = { ok: true as const };
  return {
    'models.catalog': async () => manager().listing(await manager().hardware()),
    'models.pull': async ({ source, revision }) => started(await manager().pull(source, revision)),
    'models.pause': async ({ id }) => {
      manager().pause(id);
      return ok;
    },
    'models.resume': async ({ id }) => started(await manager().resume(id)),
    'models.cancel': async ({ id }) => {
      await manager().cancel(id);
      return ok;
    },
    'models.import': async () => {
      if (!services.showImportDialog)
        throw new ApiError('unsupported', 'The headless host cannot browse this machine: run `npm run diffa -- models import <folder|pack.tar>` there');
      const imported: string[] = [];
      for (const path of await services.showImportDialog()) imported.push((await manager().importPack(path)).id);
      return manager()
        .installed()
        .filter((m) => imported.includes(m.id))
        .map(({ dir: _dir, ...summary }) => summary);
    },
    'models.remove': async ({ id }) => {
      manager().remove(id);
      return ok;
    },
    'models.verify': async ({ id, repair }) => manager().verify(id, repair ?? false),
    'hardware.info': async () => {
      const hw = await manager().hardware();
      return {
        ...hw,
        fits: manager()
          .catalog()
          .map((entry) => ({
            id: entry.id,
            name: entry.name,
            fit: estimateFit(entry, hw),
            diskBytes: entry.sizeBytes,
            buildDiskBytes: entry.build ? entry.build.downloadBytes + entry.sizeBytes : null,
            basis: entry.memory?.basis ?? null,
          })),
      };
    },
  };
}
