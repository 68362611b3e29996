import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toFloat16Bytes, toFloat32 } from './dtype-cast';
import { quantizeRows } from './int4-quantize';
import { SimdKernels } from './simd-kernels';
import { mergeLora } from './tensor-ops';

/** Deterministic noise */
function lcg(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

/** Weights with what trips a quantiser up: exact ties (multiples of 1/8), zeros, -0, NaN, an all-zero block, huge and tiny values. */
function weights(rows: number, k: number, seed: number): Float32Array {
  const random = lcg(seed);
  const w = new Float32Array(rows * k);
  for (let i = 0; i < w.length; i++) {
    const m = random();
    w[i] =
      m < 0.3 ? (Math.round(random() * 30) - 15) * 0.125 : m < 0.34 ? 0 : m < 0.36 ? -0 : m < 0.365 ? Number.NaN : (random() - 0.5) * 2 ** (random() * 40 - 20);
  }
  w.fill(0, 0, 32);
  w.fill(-0.5, 32, 64); // a block with no positive value
  return w;
}

const bytes = (x: ArrayBufferView) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);

describe('WebAssembly SIMD kernels', () => {
  const simd = SimdKernels.create();

  it('are available on this platform', () => {
    assert.ok(simd, 'WebAssembly SIMD validated');
  });

  it('widen bf16 exactly as the JavaScript cast, any length', () => {
    const random = lcg(1);
    for (const n of [1, 3, 4, 1001, 4096]) {
      const raw = new Uint8Array(new Uint16Array(n).map(() => Math.floor(random() * 65536)).buffer);
      assert.ok(bytes((simd as SimdKernels).loadBf16(raw)).equals(bytes(toFloat32(raw, 'BF16'))), `n ${n}`);
    }
  });

  it('narrow float32 to IEEE half exactly as the JavaScript cast (ties, subnormals, overflow, NaN), in or out of its memory', () => {
    const random = lcg(5);
    for (const n of [1, 7, 8, 1003, 65536]) {
      // the first half in the range of normal halves (the vector path), a quarter of them ties on the 13 dropped
      // bits; the rest any bit pattern, with zeros, subnormals, the largest half, overflow and NaN (the scalar path)
      const bits = new Uint32Array(n).map(() => Math.floor(random() * 2 ** 32));
      const x = new Float32Array(bits.buffer);
      const normal = Math.floor(n / 2);
      for (let i = 0; i < normal; i++) x[i] = (random() < 0.5 ? -1 : 1) * (1 + random()) * 2 ** Math.floor(random() * 30 - 14);
      for (let i = 0; i < normal; i += 4) bits[i] = ((bits[i] as number) & ~0x1fff) | 0x1000;
      // one value just outside the range in an otherwise normal octet
      [98304, -65536, 2 ** -15, -3e-5, 65520, 65519].forEach((v, j) => {
        if (8 * j + 5 < normal) x[8 * j + 5] = v;
      });
      for (let i = normal; i < n; i += 11) x[i] = [0, -0, 65504, 65520, -65536, 6.1e-5, 5.96e-8, Number.NaN, Number.POSITIVE_INFINITY][i % 9] as number;
      const expected = toFloat16Bytes(x);
      assert.ok(bytes((simd as SimdKernels).toFloat16Bytes(x)).equals(bytes(expected)), `n ${n}`);
      const inMemory = (simd as SimdKernels).loadF32(x);
      assert.ok(bytes((simd as SimdKernels).toFloat16Bytes(inMemory)).equals(bytes(expected)), `n ${n}, in memory`);
    }
  });

  it('merge LoRA to the same float32 bits as the JavaScript loop', () => {
    for (const [rows, k, r] of [
      [1, 2, 1],
      [7, 96, 8],
      [3, 100, 8],
      [5, 64, 3],
      [33, 1280, 8],
    ] as const) {
      const random = lcg(rows + k);
      const w = weights(rows, k, rows);
      const a = new Float32Array(r * k).map(() => (random() - 0.5) * 0.1);
      const b = new Float32Array(rows * r).map(() => (random() - 0.5) * 0.1);
      const expected = Float32Array.from(w);
      mergeLora(expected, b, a, rows, k, r, 2);
      (simd as SimdKernels).loadF32(w);
      const got = (simd as SimdKernels).mergeLora(b, a, rows, k, r, 2);
      assert.ok(bytes(got).equals(bytes(expected)), `${rows}×${k} r ${r}`);
    }
  });

  it('quantise to int4 exactly as the JavaScript quantiser (codes, scales, zero points)', () => {
    for (const [rows, k] of [
      [1, 32],
      [5, 96],
      [64, 4096],
    ] as const) {
      const w = weights(rows, k, k);
      for (const scaleType of ['float16', 'float32'] as const) {
        const expected = quantizeRows(w, rows, k, scaleType);
        (simd as SimdKernels).loadF32(w);
        const got = (simd as SimdKernels).quantize(rows, k, scaleType);
        assert.ok(bytes(got.q4).equals(bytes(expected.q4)), `${rows}×${k} codes`);
        assert.ok(bytes(got.scales).equals(bytes(expected.scales)), `${rows}×${k} scales`);
        assert.ok(bytes(got.zeroPoints).equals(bytes(expected.zeroPoints)), `${rows}×${k} zero points`);
      }
    }
  });
});
