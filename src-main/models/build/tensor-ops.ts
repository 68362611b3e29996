import { toFloat16Bytes } from './dtype-cast';

/**
 * The arithmetic of a build, on float32 row blocks, rounded as numpy rounds it in the reference converter.
 */

/**
 * W + scale · B·A on rows [r0, r0 + rows) of W ([N, K]); B's matching rows ([rows, r]) and all of A ([r, K]).
 * numpy computes B @ A in float32 (sgemm), multiplies by the scale as a float32 and adds in float32; the products
 * here are summed in float64 and rounded once, so a merged weight can differ from the reference in its last bit
 * (the build's parity test bounds it at 1e-6 relative).
 */
export function mergeLora(w: Float32Array, b: Float32Array, a: Float32Array, rows: number, k: number, r: number, scale: number): void {
  const s = Math.fround(scale);
  // row by row: the r products of each weight summed into a float64 row in the order t = 0 … r−1 (the same sums as
  // one dot product per weight, but each inner loop runs along contiguous memory)
  const dot = new Float64Array(k);
  for (let i = 0; i < rows; i++) {
    dot.fill(0);
    for (let t = 0; t < r; t++) {
      const bt = b[i * r + t] as number;
      const at = t * k;
      for (let j = 0; j < k; j++) dot[j] = (dot[j] as number) + bt * (a[at + j] as number);
    }
    const row = i * k;
    for (let j = 0; j < k; j++) w[row + j] = Math.fround((w[row + j] as number) + Math.fround(s * Math.fround(dot[j] as number)));
  }
}

const TILE = 8;
/**
 * [rows, k] → [k, rows], in tiles of 8 × 8: the output rows a tile writes stay in the cache while it fills them
 * (row by row over a whole matrix every write missed it: ≈ 8.6 → ≈ 3-5 ns per element at 5120 × 1280)
 */
export function transposeBlock(x: Float32Array, rows: number, k: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i0 = 0; i0 < rows; i0 += TILE) {
    const i1 = Math.min(rows, i0 + TILE);
    for (let j0 = 0; j0 < k; j0 += TILE) {
      const j1 = Math.min(k, j0 + TILE);
      for (let i = i0; i < i1; i++) {
        const from = i * k;
        for (let j = j0; j < j1; j++) out[j * rows + i] = x[from + j] as number;
      }
    }
  }
  return out;
}

/**
 * IEEE halves [rows, k] → [k, rows] into `out`, bit for bit — what widening to float32, transposing and rounding
 * back to half gives (every half is exact as a float32), except NaN, which that path makes 0x7e00 (the float32 NaN
 * of JavaScript rounded to half), so it is made 0x7e00 here too.
 */
export function transposeHalves(x: Uint16Array, rows: number, k: number, out: Uint16Array): void {
  for (let i0 = 0; i0 < rows; i0 += TILE) {
    const i1 = Math.min(rows, i0 + TILE);
    for (let j0 = 0; j0 < k; j0 += TILE) {
      const j1 = Math.min(k, j0 + TILE);
      for (let i = i0; i < i1; i++) {
        const from = i * k;
        for (let j = j0; j < j1; j++) {
          const h = x[from + j] as number;
          out[j * rows + i] = (h & 0x7fff) > 0x7c00 ? 0x7e00 : h;
        }
      }
    }
  }
}

/** float32 values as the stored type's little-endian bytes */
export function storedBytes(x: Float32Array, dtype: 'float32' | 'float16'): Uint8Array {
  return dtype === 'float32' ? new Uint8Array(x.buffer, x.byteOffset, x.byteLength) : toFloat16Bytes(x);
}
