import { basename, extname } from 'node:path';
import { exportText, FORMAT_FILES } from '../../src-common/interchange/formats';
import type { AppServices, Handlers } from '../api/app-services';
import { askTier } from './ask-tier';
import { exportSourceFor } from './export-file';
import { importRegions } from './import-regions';

type InterchangeMethods = 'interchange.export' | 'interchange.import' | 'interchange.askTier' | 'batch.start' | 'batch.output' | 'batch.cancel';

/** Export, import, ask-per-tier and batch methods of the contract. */
export function interchangeHandlers(services: AppServices): Pick<Handlers, InterchangeMethods> {
  // The app's one batch service, whichever transport asks: a batch started on one can be cancelled on another.
  const { batch } = services;
  return {
    'interchange.export': async ({ fileId, format, emptyAnswers }) => {
      const file = services.files.get(fileId);
      const doc = await services.chat.library(fileId);
      const source = { ...(await exportSourceFor(file.path, doc.regions, doc.exchanges)), emptyAnswers: emptyAnswers ?? 'skip' };
      const stem = basename(file.name, extname(file.name));
      return {
        fileName: `${stem}${FORMAT_FILES[format].extension}`,
        mimeType: FORMAT_FILES[format].mimeType,
        text: exportText(format, source, new Date().toISOString()),
      };
    },
    'interchange.import': async (params) => importRegions(services.chat, params),
    'interchange.askTier': async (params) => ({ exchanges: await askTier(services.chat, params) }),
    'batch.start': async (params) => batch.start(params),
    'batch.output': async ({ batchId }) => batch.output(batchId),
    'batch.cancel': async ({ batchId }) => ({ cancelled: batch.cancel(batchId) }),
  };
}
