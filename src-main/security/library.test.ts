import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ApiError } from '../../src-common/api/errors';
import { removeInterruptedWrites } from '../library/atomic-write';
import { LibraryStore } from '../library/library-store';
import { tempDir } from '../test-support/temp-dir';

/** A change the library schema refuses is a clear error, and leaves neither the file nor the store's copy edited. */
describe('library store: refused changes', () => {
  const fingerprint = 'a'.repeat(64);

  it('refuses a region at Infinity with bad_request and keeps the last saved document', async () => {
    const dir = tempDir('diffa-library-');
    const store = new LibraryStore(dir);
    await store.update(fingerprint, 'tone.wav', (doc) => {
      doc.regions.push({ id: 'r1', start: 0, end: 1, label: 'ok', color: '#6d5dfc', group: null });
    });
    await assert.rejects(
      store.update(fingerprint, 'tone.wav', (doc) => {
        doc.regions.push({ id: 'r2', start: 0, end: Number.POSITIVE_INFINITY, label: 'bad', color: '#6d5dfc', group: null });
      }),
      (error: unknown) =>
        error instanceof ApiError && error.code === 'bad_request' && /tone\.wav cannot take this change \(regions\.1\.end/.test(error.message),
    );
    const saved = JSON.parse(readFileSync(join(dir, `${fingerprint}.json`), 'utf8'));
    assert.deepEqual(
      saved.regions.map((r: { id: string }) => r.id),
      ['r1'],
    );
    // the store is not stuck with the refused copy: the next change saves
    const doc = await store.update(fingerprint, 'tone.wav', (d) => {
      d.regions.push({ id: 'r3', start: 1, end: 2, label: '', color: '#6d5dfc', group: null });
    });
    assert.deepEqual(
      doc.regions.map((r) => r.id),
      ['r1', 'r3'],
    );
  });
});

/** Saves cut short by a kill leave `<doc>.json.<pid>.<ms>.tmp` files: the next start removes them, and only them. */
describe('library store: debris of interrupted saves', () => {
  it('removes temporary files of dead writers and stale ones, keeps a live writer’s and everything else', () => {
    const dir = tempDir('diffa-library-');
    const doc = `${'b'.repeat(64)}.json`;
    const dead = spawnSync(process.execPath, ['-e', '']).pid; // a process that has exited
    const names = {
      deadWriter: `${doc}.${dead}.1700000000000.tmp`,
      liveWriter: `${doc}.${process.pid}.${Date.now()}.tmp`,
      staleLive: `${doc}.${process.pid}.1700000000001.tmp`,
      document: doc,
      unrelated: 'notes.tmp',
    };
    for (const name of Object.values(names)) writeFileSync(join(dir, name), '{"half":');
    const old = new Date(Date.now() - 60 * 60_000);
    utimesSync(join(dir, names.staleLive), old, old);
    new LibraryStore(dir);
    assert.deepEqual(readdirSync(dir).sort(), [names.document, names.liveWriter, names.unrelated].sort());
    assert.equal(removeInterruptedWrites(join(dir, 'missing')), 0, 'no library folder yet: nothing to do');
  });
});
