import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LogMelExtractor } from './log-mel';
import { hzToMel, melFilters, melToHz } from './mel-filters';

const fixtures = join(import.meta.dirname, 'fixtures');
const readF32 = (name: string) => {
  const bytes = readFileSync(join(fixtures, name));
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
};
interface Case {
  name: string;
  n_mels: number;
  chunk_samples: number;
  samples: number;
  frames: number;
}
const reference = JSON.parse(readFileSync(join(fixtures, 'log-mel-cases.json'), 'utf8')) as { cases: Case[] };

describe('Whisper log-mel', () => {
  for (const c of reference.cases) {
    it(`matches the PyTorch/numpy reference within 1e-4: ${c.name} (${c.n_mels} mels)`, () => {
      const extractor = new LogMelExtractor({ sampleRate: 16000, nMels: c.n_mels, nFft: 400, hopLength: 160, chunkSamples: c.chunk_samples });
      const { features, frames, melLength } = extractor.extract(readF32(`${c.name}.audio.f32`));
      const expected = readF32(`${c.name}.mel.f32`);
      assert.equal(frames, c.frames);
      assert.equal(features.length, expected.length);
      let worst = 0;
      for (let i = 0; i < features.length; i++) worst = Math.max(worst, Math.abs((features[i] ?? 0) - (expected[i] ?? 0)));
      assert.ok(worst <= 1e-4, `max abs difference ${worst}`);
      assert.equal(melLength, Math.min(Math.ceil(c.samples / 160), c.frames));
    });
  }

  it('uses the Slaney mel scale', () => {
    assert.ok(Math.abs(hzToMel(1000) - 15) < 1e-12);
    assert.ok(Math.abs(hzToMel(500) - 7.5) < 1e-12);
    assert.ok(Math.abs(melToHz(hzToMel(4321)) - 4321) < 1e-9);
    const filters = melFilters(80, 400, 16000);
    assert.equal(filters.length, 80 * 201);
    // Slaney normalisation: each triangle has area ≈ 1 in Hz (sum of weights × bin width 40 Hz).
    const area = Array.from({ length: 201 }, (_, b) => filters[40 * 201 + b] ?? 0).reduce((a, w) => a + w * 40, 0);
    assert.ok(Math.abs(area - 1) < 0.1, `area ${area}`);
  });
});
