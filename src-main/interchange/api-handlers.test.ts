import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { EventData } from '../../src-common/api/contract';
import type { Exchange } from '../../src-common/api/library';
import { exportText } from '../../src-common/interchange/formats';
import { sampleSource } from '../../src-common/interchange/test-sample';
import { createHandlers } from '../api/handlers';
import { createHeadlessApp } from '../host/headless-services';
import { tempDir } from '../test-support/temp-dir';
import { writeSineWav } from '../test-support/wav';

const DECODING = { steps: 4, genLength: 4, blockLength: 4 };

const waitFor = <T>(check: () => T | undefined, ms = 60_000) =>
  new Promise<T>((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      const value = check();
      if (value !== undefined) {
        clearInterval(poll);
        resolve(value);
      } else if (Date.now() - started > ms) {
        clearInterval(poll);
        reject(new Error('timed out'));
      }
    }, 20);
  });

describe('interchange API: import, export, ask per tier, batch with progress', () => {
  const root = tempDir();
  const services = createHeadlessApp(join(root, 'home'));
  after(() => services.engine.dispose());
  const handlers = createHandlers(services);
  const events: { event: string; data: unknown }[] = [];
  services.events.onAny((event, data) => events.push({ event, data }));
  const wav = writeSineWav(join(root, 'take.wav'), 10, 440);

  it('imports a TextGrid as region groups, and exports them back (TextGrid, EAF, CSV) with the media linked', async () => {
    const ref = await services.files.add(wav);
    const text = exportText('textgrid', { ...sampleSource(), exchanges: [] }, '');
    const result = await handlers['interchange.import']({ fileId: ref.id, fileName: 'take.TextGrid', text, includeAnswerTiers: false, replace: false });
    assert.equal(result.imported, sampleSource().regions.length);
    assert.deepEqual([...new Set(result.doc.regions.map((r) => r.group))].sort(), ['events', 'regions', 'words']);
    const again = await handlers['interchange.import']({
      fileId: ref.id,
      fileName: 'take.TextGrid',
      text,
      tiers: ['words'],
      includeAnswerTiers: false,
      replace: true,
    });
    assert.equal(again.doc.regions.length, result.doc.regions.length, 'replace swaps the group instead of doubling it');
    await assert.rejects(
      handlers['interchange.import']({ fileId: ref.id, fileName: 'x.doc', text: 'hello', includeAnswerTiers: false, replace: false }),
      /not a TextGrid/,
    );

    const grid = await handlers['interchange.export']({ fileId: ref.id, format: 'textgrid' });
    assert.equal(grid.fileName, 'take.TextGrid');
    assert.match(grid.text, /xmax = 10 /);
    const eaf = await handlers['interchange.export']({ fileId: ref.id, format: 'eaf' });
    assert.match(eaf.text, /MEDIA_URL="file:\/\/\/[^"]*take\.wav" MIME_TYPE="audio\/x-wav"/);
  });

  it('asks one question for every interval of a group; answers arrive as chat events', async () => {
    const ref = await services.files.add(wav);
    const doc = await handlers['library.get']({ id: ref.id });
    const intervals = doc.regions.filter((r) => r.group === 'regions');
    const { exchanges } = await handlers['interchange.askTier']({
      fileId: ref.id,
      group: 'regions',
      question: 'What kind of sound is this?',
      decoding: DECODING,
    });
    assert.equal(exchanges.length, intervals.length);
    const done = await waitFor(() => {
      const updated = events.filter((e) => e.event === 'chat.updated').map((e) => (e.data as { exchange: Exchange }).exchange);
      return exchanges.every((x) => updated.some((u) => u.id === x.id && u.status === 'done')) ? updated : undefined;
    });
    assert.ok(done.length >= exchanges.length);
  });

  it('runs a batch over open files with batch.progress events until finished', async () => {
    const ref = await services.files.add(wav);
    const started = await handlers['batch.start']({ fileIds: [ref.id], questions: ['What kind of sound is this?'], format: 'csv', decoding: DECODING });
    assert.equal(started.total, 1);
    const last = await waitFor(() =>
      events
        .filter((e) => e.event === 'batch.progress')
        .map((e) => e.data as EventData<'batch.progress'>)
        .find((p) => p.batchId === started.batchId && p.state !== 'running'),
    );
    assert.equal(last.state, 'finished');
    assert.equal(last.answered, 1);
    assert.ok(existsSync(started.outPath));
    assert.match(readFileSync(started.outPath, 'utf8'), /take\.wav,/);
    assert.deepEqual(await handlers['batch.cancel']({ batchId: started.batchId }), { cancelled: false });
  });
});
