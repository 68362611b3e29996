import type { MethodName } from '../../src-common/api/contract';

/** One valid request per method that the fuzz tests start from (checked valid by api.fuzz.test.ts). */
export const VALID_PARAMS: Partial<Record<MethodName, Record<string, unknown>>> = {
  'app.info': {},
  'settings.update': { theme: 'dark' },
  'files.openRecent': { index: 0 },
  'files.close': { id: 'f1' },
  'library.get': { id: 'f1' },
  'regions.save': { fileId: 'f1', region: { id: 'r1', start: 0, end: 1.5, label: 'dog', group: null } },
  'regions.delete': { fileId: 'f1', regionId: 'r1' },
  'chat.ask': { fileId: 'f1', regionId: 'r1', question: 'What is this sound?', decoding: {} },
  'chat.redenoise': { fileId: 'f1', exchangeId: 'e1', belowConfidence: 0.5 },
  'chat.cancel': { exchangeId: 'e1' },
  'models.pull': { source: 'org/name' },
  'models.verify': { id: 'diffa-tiny', repair: false },
  'interchange.export': { fileId: 'f1', format: 'textgrid' },
  'interchange.import': { fileId: 'f1', fileName: 'labels.txt', text: '0\t1\tdog\n' },
  'audio.peaks': { id: 'f1', start: 0, width: 512 },
  'audio.samples': { id: 'f1', start: 0, end: 1, channel: 'mix' },
  'batch.cancel': { batchId: 'b1' },
  'models.details': { id: 'diffa-tiny' },
};

/** Methods the host may run for real during a fuzz run: they read or refuse, and change nothing outside the temp home. */
export const SIDE_EFFECT_FREE: MethodName[] = [
  'app.info',
  'settings.get',
  'files.list',
  'files.recent',
  'files.close',
  'library.get',
  'regions.save',
  'regions.delete',
  'chat.cancel',
  'engine.status',
  'audio.describe',
  'audio.peaks',
  'audio.samples',
  'interchange.export',
];
