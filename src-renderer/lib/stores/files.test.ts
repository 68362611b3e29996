import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AudioFileRef, RecentFile } from '../../../src-common/api/schemas';
import { FakeApi, settle, ToastLog } from '../test-doubles';
import { FilesStore } from './files.svelte';

const ref = (id: string): AudioFileRef => ({ id, name: `${id}.wav`, size: 1000, mime: 'audio/wav', mediaUrl: `/media/${id}` });

function build(open: AudioFileRef[] = [], recent: RecentFile[] = []) {
  const api = new FakeApi().answer('files.list', () => open).answer('files.recent', () => recent);
  const toasts = new ToastLog();
  const logged: string[] = [];
  const files = new FilesStore(api, toasts, (message) => logged.push(message));
  return { api, toasts, files, logged };
}

describe('FilesStore', () => {
  it('lists the open files on connect and shows the first; a closed file is deselected', async () => {
    const { api, files } = build([ref('a'), ref('b')], [{ index: 0, name: 'a.wav', exists: true }]);
    api.connect();
    await settle();
    assert.equal(files.selectedId, 'a');
    assert.equal(files.recent.length, 1);
    files.select('b');
    api.emit('files.changed', [ref('a')]);
    assert.equal(files.selectedId, 'a', 'b was closed');
    api.emit('files.changed', []);
    assert.equal(files.selectedId, null);
    assert.equal(files.selected, null);
  });

  it('shows a file this page opened, unless the person picked another file meanwhile', async () => {
    const { api, files } = build([ref('a')]);
    api.connect();
    await settle();
    files.beginOpen();
    api.emit('files.changed', [ref('a'), ref('b')]);
    files.endOpen();
    assert.equal(files.selectedId, 'b', 'the file asked for is shown');

    files.beginOpen();
    files.select('a');
    api.emit('files.changed', [ref('a'), ref('b'), ref('c')]);
    files.showOpened('c');
    files.endOpen();
    assert.equal(files.selectedId, 'a', 'the person chose a while c was opening');

    api.emit('files.changed', [ref('a'), ref('b'), ref('c'), ref('d')]);
    assert.equal(files.selectedId, 'a', 'a file opened elsewhere (another page) does not take over the view');
  });

  it('refreshes the recent list when the settings change, and after a recent file failed to open', async () => {
    const { api, toasts, files } = build([], []);
    api.connect();
    await settle();
    api.answer('files.recent', () => [{ index: 0, name: 'gone.wav', exists: false }]);
    api.emit('settings.changed', {
      theme: 'system',
      provider: 'auto',
      reducedMotion: false,
      decodingPreset: 'faithful',
      heardPart: 'start',
      stepPace: 'readable',
      recentFiles: ['/x/gone.wav'],
    });
    await settle();
    assert.equal(files.recent[0]?.name, 'gone.wav');
    api.answer('files.openRecent', () => {
      throw new Error('gone.wav is no longer there');
    });
    api.answer('files.recent', () => []);
    await files.openRecent({ index: 0, name: 'gone.wav', exists: false });
    assert.deepEqual(toasts.errors, ['gone.wav is no longer there']);
    assert.deepEqual(files.recent, []);
  });

  it('says why a file could not be closed or the list read, and unsubscribes when disposed', async () => {
    const { api, toasts, files, logged } = build();
    api.answer('files.list', () => {
      throw new Error('host busy');
    });
    api.answer('files.recent', () => {
      throw new Error('no recent');
    });
    api.connect();
    await settle();
    assert.deepEqual(toasts.errors, ['Cannot list the open files: host busy']);
    assert.deepEqual(logged, ['files.recent failed:']);
    api.answer('files.close', () => {
      throw new Error('not open');
    });
    await files.close(ref('a'));
    assert.equal(toasts.errors[1], 'Cannot close a.wav: not open');
    await files.dispose();
    assert.equal(api.subscriptions, 0);
  });
});
