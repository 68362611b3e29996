import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLIP_LEVEL, FactsMeter } from './facts';
import { kWeighting } from './k-weighting';

const sine = (frames: number, rate: number, frequency: number, amplitude: number, phase = 0) =>
  Float32Array.from({ length: frames }, (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * i) / rate + phase));

/** Measures blocks pushed in pieces of `step` frames (block boundaries must not matter). */
function measure(channels: Float32Array[], rate: number, step = 1000) {
  const meter = new FactsMeter(rate, channels.length);
  const frames = channels[0]?.length ?? 0;
  for (let i = 0; i < frames; i += step) meter.push(channels.map((c) => c.subarray(i, Math.min(i + step, frames))));
  return meter.result();
}

const near = (actual: number | null, expected: number, tolerance: number, what: string) =>
  assert.ok(actual !== null && Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected} ± ${tolerance}`);

describe('K-weighting', () => {
  it('reproduces BS.1770-4 Table 1 and 2 at 48 kHz', () => {
    const [shelf, highPass] = kWeighting(48000);
    const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-8, `${a} vs ${b}`);
    close(shelf.b0, 1.53512485958697);
    close(shelf.b1, -2.69169618940638);
    close(shelf.b2, 1.19839281085285);
    close(shelf.a1, -1.69065929318241);
    close(shelf.a2, 0.73248077421585);
    close(highPass.a1, -1.99004745483398);
    close(highPass.a2, 0.99007225036621);
  });
});

describe('measured facts', () => {
  it('a −6 dBFS sine: peak, RMS (−3 dB below peak), true peak, no clipping, no DC', () => {
    const facts = measure([sine(48000, 48000, 997, 0.5)], 48000);
    near(facts.peakDbfs, -6.0206, 0.001, 'peak');
    near(facts.rmsDbfs, -9.0309, 0.001, 'RMS');
    near(facts.truePeakDbtp, -6.0206, 0.01, 'true peak');
    assert.equal(facts.clippedRuns, 0);
    assert.ok(Math.abs(facts.dcOffset) < 1e-6);
  });

  it('true peak finds the crest between samples: a sine at fs/4 sampled 45° off its peaks reads 3 dB over its samples', () => {
    // Faded in: a sine switched on at full level overshoots in any band-limited interpolation (ffmpeg's reads +0.6 dB).
    const x = sine(48000, 48000, 12000, 1, Math.PI / 4);
    for (let i = 0; i < 4800; i++) x[i] = (x[i] as number) * (i / 4800);
    const facts = measure([x], 48000);
    near(facts.peakDbfs, -3.01, 0.01, 'sample peak');
    near(facts.truePeakDbtp, 0, 0.02, 'true peak');
  });

  it('loudness: a 1 kHz sine at 0 dBFS on one channel reads −3.01 LUFS; stereo, 0 LUFS; 0.3 s has none', () => {
    const tone = sine(48000 * 5, 48000, 1000, 1);
    near(measure([tone], 48000).lufs, -3.01, 0.05, 'mono');
    near(measure([tone, tone], 48000).lufs, 0, 0.05, 'stereo');
    assert.equal(measure([tone.subarray(0, 14400)], 48000).lufs, null);
  });

  it('gating: silence does not lower the loudness of what is heard (absolute −70 LUFS gate)', () => {
    const rate = 48000;
    const tone = sine(rate * 4, rate, 1000, 0.1);
    const withSilence = new Float32Array(rate * 12);
    withSilence.set(tone, rate * 4);
    // Ungated, two thirds of silence would read 4.8 LU lower; only the blocks straddling the edges count at all.
    near(measure([withSilence], rate).lufs, measure([tone], rate).lufs ?? 0, 0.5, 'gated');
  });

  it('clipped runs: ≥ 2 consecutive samples at |x| ≥ 0.999, counted per channel with positions', () => {
    const x = new Float32Array(100);
    x[10] = 1; // one sample alone is not a run
    x.fill(-1, 20, 25);
    x.fill(CLIP_LEVEL, 98, 100); // a run that ends with the signal
    const facts = measure([x, new Float32Array(100)], 1000, 7);
    assert.equal(facts.clippedRuns, 2);
    assert.deepEqual(
      facts.clipRuns.map((r) => [r.channel, r.startFrame, r.samples]),
      [
        [0, 20, 5],
        [0, 98, 2],
      ],
    );
    assert.equal(facts.perChannel[1]?.clippedRuns, 0);
  });

  it('DC offset per channel; overall the one largest in magnitude; silence has no level (null)', () => {
    const facts = measure([new Float32Array(1000).fill(0.25), new Float32Array(1000).fill(-0.5)], 1000);
    near(facts.perChannel[0]?.dcOffset ?? null, 0.25, 1e-9, 'left');
    near(facts.dcOffset, -0.5, 1e-9, 'overall');
    const silent = measure([new Float32Array(1000)], 1000);
    assert.equal(silent.peakDbfs, null);
    assert.equal(silent.lufs, null);
  });
});
