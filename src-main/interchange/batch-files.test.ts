import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ExchangeSchema } from '../../src-common/api/library';
import { tempDir } from '../test-support/temp-dir';
import { commonRoot, listInputs, outputNames } from './batch-inputs';
import { statePathFor } from './batch-plan';
import { BatchState } from './batch-state';
import { findSidecarTier } from './sidecar';

const grid = (tier: string, text: string) =>
  `File type = "ooTextFile"\nObject class = "TextGrid"\n\n0\n2\n<exists>\n1\n"IntervalTier"\n"${tier}"\n0\n2\n1\n0\n2\n"${text}"\n`;

describe('batch files: inputs, output names, sidecars, state', () => {
  it('lists audio under folders recursively (hidden skipped), mirrors folders in output names, keeps colliding extensions', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'a', 'deep'), { recursive: true });
    mkdirSync(join(dir, '.hidden'));
    for (const f of ['a/x.wav', 'a/x.flac', 'a/deep/y.MP3', 'a/notes.txt', '.hidden/z.wav']) writeFileSync(join(dir, f), '');
    const inputs = await listInputs([join(dir, 'a'), join(dir, 'a', 'x.wav')]);
    assert.deepEqual(inputs.map((p) => p.slice(dir.length + 1)).sort(), ['a/deep/y.MP3', 'a/x.flac', 'a/x.wav']);
    assert.equal(commonRoot(inputs), join(dir, 'a'));
    assert.deepEqual([...outputNames(inputs, '.TextGrid').values()].sort(), ['deep/y.TextGrid', 'x.flac.TextGrid', 'x.wav.TextGrid']);
    await assert.rejects(listInputs([join(dir, 'nope')]), /does not exist/);
    assert.equal(statePathFor('csv', '/o/answers.csv'), '/o/.answers.csv.diffa-batch-state.jsonl');
    assert.equal(statePathFor('eaf', '/o'), '/o/.diffa-batch-state.jsonl');
  });

  it('finds the sidecar tier: TextGrid, then EAF, then x.TIER.txt, then x.txt for "labels"; says what it looked for', async () => {
    const dir = tempDir();
    const audio = join(dir, 'take.wav');
    writeFileSync(audio, '');
    await assert.rejects(findSidecarTier(audio, 'words'), /looked for take\.TextGrid, take\.eaf, take\.words\.txt/);
    writeFileSync(join(dir, 'take.words.txt'), '0.5\t1.5\tfrom labels\n');
    assert.equal((await findSidecarTier(audio, 'words')).intervals[0]?.text, 'from labels');
    writeFileSync(join(dir, 'take.textgrid'), grid('phones', 'p'));
    assert.equal((await findSidecarTier(audio, 'words')).intervals[0]?.text, 'from labels', 'a TextGrid without the tier is passed over');
    writeFileSync(join(dir, 'take.textgrid'), grid('words', 'from grid'));
    assert.deepEqual((await findSidecarTier(audio, 'words')).intervals, [{ start: 0, end: 2, text: 'from grid' }]);
    writeFileSync(join(dir, 'take.txt'), '0\t1\tlab\n');
    assert.equal((await findSidecarTier(audio, 'labels')).intervals[0]?.text, 'lab');
    await assert.rejects(findSidecarTier(audio, 'tones'), /no interval tier "tones" in take\.textgrid \(tiers: words\)/);
  });

  it('state: records answers line by line and ignores a line torn by a crash', async () => {
    const path = join(tempDir(), 'state.jsonl');
    const exchange = ExchangeSchema.parse({
      id: 'e1',
      regionId: null,
      span: { start: 0, end: null },
      question: 'q',
      askedAt: '',
      modelId: 'm',
      decoding: {},
      status: 'done',
      answer: null,
      trace: [],
      error: null,
    });
    const state = await BatchState.open(path);
    await state.record('k1', exchange);
    appendFileSync(path, '{"key":"k2","exchange":{"id":');
    const reopened = await BatchState.open(path);
    assert.equal(reopened.get('k1')?.id, 'e1');
    assert.equal(reopened.get('k2'), undefined);
    await reopened.record('k3', exchange);
    assert.equal((await BatchState.open(path)).get('k3')?.id, 'e1', 'a record after a torn line is not glued to it');
  });
});
