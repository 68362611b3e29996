import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FileOpener } from './open-files';
import { FakeApi, settle, ToastLog } from './test-doubles';

/** The part of the files store the opener drives, recording what it was told. */
function filesRecorder() {
  const log: string[] = [];
  return {
    log,
    uploading: [] as string[],
    beginOpen: () => void log.push('begin'),
    endOpen: () => void log.push('end'),
    showOpened: (id: string) => void log.push(`show ${id}`),
  };
}

const file = (name: string) => new File([new Uint8Array(8)], name);

describe('FileOpener', () => {
  it('uploads each file in a browser page, naming it while it goes, and goes on past one that fails', async () => {
    const files = filesRecorder();
    const toasts = new ToastLog();
    const seenWhileUploading: string[][] = [];
    const opener = new FileOpener({
      api: new FakeApi(),
      files,
      toasts,
      bridge: undefined,
      upload: async (f) => {
        seenWhileUploading.push([...files.uploading]);
        await settle();
        if (f.name === 'notes.txt') throw new Error('Cannot open notes.txt: not an audio format');
        return { id: `id-${f.name}` };
      },
    });
    await opener.openFiles([file('a.wav'), file('notes.txt'), file('b.wav')]);
    assert.deepEqual(seenWhileUploading, [['a.wav'], ['notes.txt'], ['b.wav']]);
    assert.deepEqual(files.log, ['begin', 'show id-a.wav', 'show id-b.wav', 'end']);
    assert.deepEqual(toasts.errors, ['Cannot open notes.txt: not an audio format']);
    assert.deepEqual(files.uploading, []);
  });

  it('hands dropped files to the Electron bridge, and opens through the dialog', async () => {
    const files = filesRecorder();
    const toasts = new ToastLog();
    const dropped: unknown[] = [];
    const api = new FakeApi().answer('files.openDialog', () => [
      { id: 'x', name: 'x.wav', size: 1, mime: 'audio/wav', mediaUrl: '/m/x' },
      { id: 'y', name: 'y.wav', size: 1, mime: 'audio/wav', mediaUrl: '/m/y' },
    ]);
    const opener = new FileOpener({
      api,
      files,
      toasts,
      bridge: { openDropped: async (list) => void dropped.push(...list) },
      upload: () => Promise.reject(new Error('no uploads in Electron')),
    });
    await opener.openFiles([file('a.wav')]);
    assert.equal(dropped.length, 1);
    await opener.openWithDialog();
    assert.deepEqual(files.log, ['begin', 'end', 'begin', 'show y', 'end']);
    api.answer('files.openDialog', () => {
      throw new Error('dialog failed');
    });
    await opener.openWithDialog();
    assert.deepEqual(toasts.errors, ['dialog failed']);
    assert.equal(files.log.at(-1), 'end', 'the open ends even when it failed');
  });
});
