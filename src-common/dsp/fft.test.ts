import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FFT } from './fft';

function naiveDft(re: Float64Array, im: Float64Array) {
  const n = re.length;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    for (let t = 0; t < n; t++) {
      const angle = (-2 * Math.PI * k * t) / n;
      outRe[k] = (outRe[k] ?? 0) + (re[t] ?? 0) * Math.cos(angle) - (im[t] ?? 0) * Math.sin(angle);
      outIm[k] = (outIm[k] ?? 0) + (re[t] ?? 0) * Math.sin(angle) + (im[t] ?? 0) * Math.cos(angle);
    }
  }
  return { outRe, outIm };
}

describe('FFT', () => {
  for (const size of [1, 2, 5, 8, 12, 49, 97, 400, 512]) {
    it(`matches a direct DFT at size ${size}`, () => {
      let seed = size;
      const random = () => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed / 2147483648 - 0.5;
      };
      const re = Float64Array.from({ length: size }, random);
      const im = Float64Array.from({ length: size }, random);
      const outRe = new Float64Array(size);
      const outIm = new Float64Array(size);
      new FFT(size).transform(re, im, outRe, outIm);
      const expected = naiveDft(re, im);
      for (let k = 0; k < size; k++) {
        assert.ok(Math.abs((outRe[k] ?? 0) - (expected.outRe[k] ?? 0)) < 1e-9, `re[${k}]`);
        assert.ok(Math.abs((outIm[k] ?? 0) - (expected.outIm[k] ?? 0)) < 1e-9, `im[${k}]`);
      }
    });
  }

  it('puts a sine at its bin', () => {
    const n = 400;
    const re = Float64Array.from({ length: n }, (_, t) => Math.cos((2 * Math.PI * 25 * t) / n));
    const outRe = new Float64Array(n);
    const outIm = new Float64Array(n);
    new FFT(n).transform(re, new Float64Array(n), outRe, outIm);
    assert.ok(Math.abs((outRe[25] ?? 0) - n / 2) < 1e-9);
    assert.ok(Math.abs(outRe[24] ?? 0) < 1e-9);
  });
});
