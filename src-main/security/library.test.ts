import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ApiError } from '../../src-common/api/errors';
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
