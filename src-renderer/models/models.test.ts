import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../../src-common/api/errors';
import type { PullProgressData } from '../../src-common/api/models';
import { FakeApi, settle, ToastLog } from '../lib/test-doubles';
import type { CatalogRow, HardwareInfo } from './logic';
import { ModelsStore } from './models.svelte';

const row = (id: string, status: CatalogRow['status']) => ({ id, name: id, status }) as CatalogRow;
const hardware = { cpu: 'test' } as unknown as HardwareInfo;
const progress = (id: string, state: PullProgressData['state'], bytesDone = 0): PullProgressData => ({
  id,
  name: id,
  state,
  bytesDone,
  bytesTotal: 100,
  speedBps: 0,
  etaSeconds: null,
  filesDone: 0,
  filesTotal: 2,
  active: [],
  ...(state === 'failed' ? { error: { code: 'io_error', message: 'disk full' } } : {}),
});

function build() {
  let catalog = [row('diffa-tiny', 'installed'), row('big', 'available')];
  const api = new FakeApi().answer('models.catalog', () => catalog).answer('hardware.info', () => hardware);
  const toasts = new ToastLog();
  const models = new ModelsStore(api, toasts);
  const setCatalog = (next: CatalogRow[]) => {
    catalog = next;
  };
  return { api, toasts, models, setCatalog };
}

describe('ModelsStore', () => {
  it('fetches nothing until the panel opens; after that a reconnect refetches the catalog and the hardware', async () => {
    const { api, models } = build();
    api.connect();
    await settle();
    assert.deepEqual(api.methods(), []);
    await models.refresh(true);
    assert.deepEqual(
      models.catalog.map((r) => r.id),
      ['diffa-tiny', 'big'],
    );
    api.connect();
    await settle();
    assert.deepEqual(api.methods(), ['models.catalog', 'hardware.info', 'models.catalog', 'hardware.info']);
  });

  it('applies only the latest of overlapping refreshes', async () => {
    const { api, models } = build();
    let release: (() => void) | undefined;
    api.answer('models.catalog', () => new Promise((resolve) => (release = () => resolve([row('stale', 'installed')]))));
    const first = models.refresh(true);
    api.answer('models.catalog', () => [row('fresh', 'installed')]);
    await models.refresh(true);
    release?.();
    await first;
    assert.deepEqual(
      models.catalog.map((r) => r.id),
      ['fresh'],
    );
    assert.equal(models.loading, false);
  });

  it('follows a download: shown running at once, told when it installs or fails, and the catalog refetched', async () => {
    const { api, toasts, models, setCatalog } = build();
    api.answer('models.pull', () => ({ id: 'big', name: 'big', repo: 'org/big', commit: 'c', bytesTotal: 100, filesTotal: 2 }));
    assert.equal(await models.download('big'), true);
    assert.deepEqual(
      models.running.map((p) => p.state),
      ['downloading'],
    );
    api.emit('models.progress', progress('big', 'downloading', 50));
    assert.equal(models.progress.big?.bytesDone, 50);
    setCatalog([row('diffa-tiny', 'installed'), row('big', 'installed')]);
    api.emit('models.progress', progress('big', 'installed', 100));
    await settle();
    assert.deepEqual(toasts.infos, ['big is installed']);
    assert.equal(models.catalog.find((r) => r.id === 'big')?.status, 'installed');
    assert.equal(models.progress.big, undefined, 'an ended download leaves no stale row');
    api.emit('models.progress', progress('other', 'failed'));
    await settle();
    assert.deepEqual(toasts.errors, ['Download of other failed: disk full']);
    assert.equal(models.progress.other?.state, 'failed', 'a failure stays to be read');
  });

  it('marks a model busy while a request is in flight, and says why it failed', async () => {
    const { api, toasts, models } = build();
    let seenBusy: string | undefined;
    api.answer('models.remove', () => {
      seenBusy = models.busy.big;
      throw new ApiError('io_error', 'big is in use');
    });
    await models.remove('big');
    assert.equal(seenBusy, 'remove');
    assert.equal(models.busy.big, undefined);
    assert.deepEqual(toasts.errors, ['Cannot remove big: big is in use']);
  });

  it("shows the headless host's answer to an import as a note, not an error", async () => {
    const { api, toasts, models } = build();
    api.answer('models.import', () => {
      throw new ApiError('unsupported', 'Run `diffa models import <path>` on the host');
    });
    await models.importPack();
    assert.equal(models.importNote, 'Run `diffa models import <path>` on the host');
    assert.deepEqual(toasts.errors, []);
    assert.equal(models.importing, false);
    await models.dispose();
    assert.equal(api.subscriptions, 0);
  });
});
