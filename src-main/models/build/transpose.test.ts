import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BlockJob, computeBlock } from './block-kernel';
import { toFloat16Bytes, toFloat32 } from './dtype-cast';
import { transposeBlock } from './tensor-ops';

/** Half bit patterns: random ones, and every kind of special value (NaNs of both signs and payloads, ±∞, ±0, subnormals) */
function halves(n: number, seed: number): Uint16Array {
  let s = seed;
  const h = new Uint16Array(n);
  const specials = [0x7c01, 0xfe00, 0x7fff, 0x7e00, 0x7c00, 0xfc00, 0x0000, 0x8000, 0x0001, 0x83ff, 0x7bff];
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    h[i] = i % 13 === 0 ? (specials[(i / 13) % specials.length] as number) : s & 0xffff;
  }
  return h;
}

describe('transposing halves', () => {
  it('gives the bytes of the float32 path (widen, transpose, round to half), whole tensors and strips, odd sizes (JavaScript) and multiples of 8 (SIMD)', () => {
    for (const [rows, k, rowsTotal, r0] of [
      [37, 19, 37, 0],
      [64, 40, 64, 0],
      [16, 24, 48, 16],
      [128, 1280, 128, 0],
      [8, 8, 8, 0],
    ] as const) {
      const raw = new Uint8Array(halves(rows * k, rows + k).buffer);
      const job: BlockJob = {
        op: 'transpose',
        raw,
        dtype: 'F16',
        r0,
        rows,
        rowsTotal,
        rowLength: k,
        outDtype: 'float16',
        target: { offset: 100, perRow: k * 2 },
      };
      const expected = toFloat16Bytes(transposeBlock(toFloat32(raw, 'F16'), rows, k));
      const pieces = computeBlock(job);
      const file = new Uint8Array(100 + rowsTotal * k * 2);
      for (const p of pieces) file.set(p.bytes, p.position);
      for (let j = 0; j < k; j++) {
        const strip = Buffer.from(file.subarray(100 + (j * rowsTotal + r0) * 2, 100 + (j * rowsTotal + r0 + rows) * 2));
        assert.ok(strip.equals(Buffer.from(expected.subarray(j * rows * 2, (j + 1) * rows * 2))), `${rows}×${k}, column ${j}`);
      }
    }
  });
});
