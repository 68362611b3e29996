import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BASE_SAMPLES_PER_PEAK, chooseLevel, PeakBuilder } from './peaks';

describe('peaks', () => {
  const frames = 1_000_000;
  const left = Float32Array.from({ length: frames }, (_, i) => Math.sin(i / 50) * (i / frames));
  const right = Float32Array.from({ length: frames }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const builder = new PeakBuilder(48000, 2);
  for (let i = 0; i < frames; i += 12345) builder.push([left.subarray(i, i + 12345), right.subarray(i, i + 12345)]);
  const pyramid = builder.finish();

  it('level k has one min/max pair per 256·4^k frames of each channel, the last partial', () => {
    assert.equal(pyramid.frames, frames);
    pyramid.levels.forEach((level, k) => {
      assert.equal(level.samplesPerPeak, BASE_SAMPLES_PER_PEAK * 4 ** k);
      assert.equal(level.channels[0]?.length, 2 * Math.ceil(frames / level.samplesPerPeak));
    });
    assert.ok((pyramid.levels[pyramid.levels.length - 1]?.channels[0]?.length ?? 0) / 2 <= 2048);
  });

  it('every level agrees with a brute-force min/max of the samples', () => {
    for (const level of pyramid.levels) {
      const spp = level.samplesPerPeak;
      for (const k of [0, 1, Math.floor(frames / spp / 2), Math.ceil(frames / spp) - 1]) {
        const slice = right.subarray(k * spp, (k + 1) * spp);
        const channel = level.channels[1] as Int16Array;
        assert.ok(Math.abs((channel[2 * k] as number) / 32767 - Math.min(...slice)) < 1e-4);
        assert.ok(Math.abs((channel[2 * k + 1] as number) / 32767 - Math.max(...slice)) < 1e-4);
      }
    }
  });

  it('the interleaved fast path (raw 16-bit frames) builds the same pyramid as planar floats', () => {
    const n = 100_000;
    const raw = Int16Array.from({ length: 2 * n }, (_, i) => ((i * 7919) % 65536) - 32768);
    const planar = [0, 1].map((c) => Float32Array.from({ length: n }, (_, i) => (raw[2 * i + c] as number) / 32768));
    const a = new PeakBuilder(8000, 2);
    for (let i = 0; i < n; i += 3000) a.pushInterleaved(raw.subarray(2 * i, 2 * Math.min(i + 3000, n)), Math.min(3000, n - i), 1 / 32768);
    const b = new PeakBuilder(8000, 2);
    b.push(planar);
    assert.deepEqual(a.finish(), b.finish());
  });

  it('chooses the finest level that draws a window in at most about `width` peaks', () => {
    assert.equal(chooseLevel(pyramid, 48000, 1000).samplesPerPeak, 256);
    assert.equal(chooseLevel(pyramid, 480000, 1000).samplesPerPeak, 1024);
    assert.equal(chooseLevel(pyramid, frames * 100, 10).samplesPerPeak, pyramid.levels[pyramid.levels.length - 1]?.samplesPerPeak);
  });
});
