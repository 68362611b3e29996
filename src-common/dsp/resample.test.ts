import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resample } from './resample';

const sine = (hz: number, rate: number, seconds: number, phase = 0) =>
  Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => Math.sin((2 * Math.PI * hz * i) / rate + phase));
const rms = (x: Float32Array, from = 0, to = x.length) => {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (x[i] ?? 0) ** 2;
  return Math.sqrt(sum / (to - from));
};

describe('resample', () => {
  for (const rate of [44100, 48000, 22050, 8000]) {
    it(`${rate} Hz → 16 kHz keeps a 1 kHz tone (error < 1e-3 away from the edges)`, () => {
      const out = resample(sine(1000, rate, 1), rate, 16000);
      assert.equal(out.length, 16000);
      const expected = sine(1000, 16000, 1);
      let worst = 0;
      for (let i = 400; i < 15600; i++) worst = Math.max(worst, Math.abs((out[i] ?? 0) - (expected[i] ?? 0)));
      assert.ok(worst < 1e-3, `max error ${worst}`);
    });
  }

  it('removes what lies above the new Nyquist rate instead of folding it back (> 70 dB down)', () => {
    const out = resample(sine(10000, 48000, 1), 48000, 16000);
    const level = rms(out, 400, 15600) / Math.SQRT1_2;
    assert.ok(20 * Math.log10(level) < -70, `${(20 * Math.log10(level)).toFixed(1)} dB`);
  });

  it('leaves equal rates alone and refuses nonsense rates', () => {
    const x = sine(440, 16000, 0.1);
    assert.deepEqual(resample(x, 16000, 16000), x);
    assert.throws(() => resample(x, 0, 16000), RangeError);
    assert.throws(() => resample(x, 44100.5, 16000), RangeError);
  });

  it('keeps the duration: ceil(n · to / from) samples', () => {
    assert.equal(resample(new Float32Array(44101), 44100, 16000).length, Math.ceil((44101 * 16000) / 44100));
  });
});
