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

/** [rows, k] → [k, rows] */
export function transposeBlock(x: Float32Array, rows: number, k: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < k; j++) out[j * rows + i] = x[i * k + j] as number;
  return out;
}

/** float32 values as the stored type's little-endian bytes */
export function storedBytes(x: Float32Array, dtype: 'float32' | 'float16'): Uint8Array {
  return dtype === 'float32' ? new Uint8Array(x.buffer, x.byteOffset, x.byteLength) : toFloat16Bytes(x);
}
