import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiError } from '../../src-common/api/errors';
import { parseRequest, parseResult } from '../../src-common/api/validate';
import { AppEvents } from '../api/app-events';
import type { AppServices } from '../api/handlers';
import { openAppHome } from '../core/app-home';
import { tempDir } from '../test-support/temp-dir';
import { modelHandlers } from './api-handlers';
import { createModelManager } from './create-manager';
import { createDispatcher } from './network';
import { exportModel } from './pack';
import { TestHub } from './testing/hub-server';
import { makeBundle, repoFiles, writeBundle } from './testing/make-bundle';

const hub = new TestHub();
const dispatcher = createDispatcher({}, {});
before(async () => {
  await hub.start();
  hub.addRepo('org/api-model', repoFiles(makeBundle('api-model')));
});
after(async () => {
  await hub.close();
  await dispatcher.close();
});

function services(extra: Partial<AppServices> = {}) {
  const root = tempDir();
  const home = openAppHome(root);
  const events = new AppEvents();
  const models = createModelManager(home, { bundledDir: join(root, 'none'), env: { HF_ENDPOINT: hub.url }, dispatcher });
  // The same wiring as the headless host: progress goes out as a contract-validated event.
  models.onProgress((p) => events.emit('models.progress', p));
  return { home, events, models, ...extra } as unknown as AppServices;
}

describe('model manager API', () => {
  it('pulls through the contract and streams valid models.progress events', async () => {
    const s = services();
    const seen: string[] = [];
    s.events.onAny((event, data) => event === 'models.progress' && seen.push((data as { state: string }).state));
    const h = modelHandlers(s);
    const params = parseRequest({ type: 'request', id: 1, method: 'models.pull', params: { source: 'org/api-model' } }).params as { source: string };
    const result = parseResult('models.pull', await h['models.pull'](params));
    assert.equal(result.id, 'api-model');
    await new Promise<void>((resolve) => s.events.onAny((_e, data) => (data as { state: string }).state === 'installed' && resolve()));
    assert.equal(seen.at(-1), 'installed');
    const catalog = parseResult('models.catalog', await h['models.catalog']({}));
    assert.equal(catalog.find((m) => m.id === 'api-model')?.status, 'installed');
    assert.equal(parseResult('models.verify', await h['models.verify']({ id: 'api-model', repair: false })).ok, true);
    assert.deepEqual(await h['models.remove']({ id: 'api-model' }), { ok: true });
  });

  it('answers hardware.info in the contract shape, with a fit per catalog model', async () => {
    const info = parseResult('hardware.info', await modelHandlers(services())['hardware.info']({}));
    assert.ok(info.cpu.cores > 0 && info.providers.some((p) => p.name === 'cpu' && p.usable));
  });

  it('imports through the platform dialog only; the page never sends a path', async () => {
    assert.throws(() => parseRequest({ type: 'request', id: 1, method: 'models.import', params: { path: '/etc' } }), /params of models\.import/);
    await assert.rejects(modelHandlers(services())['models.import']({}), (e: ApiError) => e.code === 'unsupported' && /models import/.test(e.message));
    const dir = tempDir();
    writeBundle(makeBundle('dialog-model'), join(dir, 'src'));
    await exportModel(join(dir, 'src'), join(dir, 'pack.tar'));
    const s = services({ showImportDialog: async () => [join(dir, 'pack.tar')] });
    const imported = parseResult('models.import', await modelHandlers(s)['models.import']({}));
    assert.deepEqual(
      imported.map((m) => m.id),
      ['dialog-model'],
    );
  });

  it('reports unknown ids as not_found', async () => {
    await assert.rejects(modelHandlers(services())['models.pause']({ id: 'nothing' }), (e: ApiError) => e.code === 'not_found');
  });
});
