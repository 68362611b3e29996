import { floatToHalfBits } from './dtype-cast';

/**
 * 4-bit block quantisation for ONNX Runtime's com.microsoft MatMulNBits, computed exactly as the reference
 * (tools/diffa/onnx_int4.py, numpy in float32): per output row n and block of 32 inputs along K, asymmetric with the
 * range always including 0:
 *   lo = min(min(x), 0), hi = max(max(x), 0), scale = (hi − lo) / 15 (1 where that is 0),
 *   zp = clip(round(−lo / scale), 0, 15), q = clip(round(x / scale) + zp, 0, 15)
 * every operation rounded to float32 (Math.fround; a float64 result rounded once to float32 equals the float32
 * operation for + − × ÷), round() halves to even as numpy does. Layout: B uint8 [N, K/32, 16], two codes a byte,
 * the lower index in the low nibble; scales [N·K/32] in the graph's float type; zero points uint8
 * [N·ceil((K/32)/2)], packed the same way.
 */
export const BLOCK = 32;

/** round half to even (numpy's round), with the clip to a 4-bit code */
function code(v: number, zp: number): number {
  let f = Math.round(v); // halves go up
  if (f - v === 0.5 && (f & 1) !== 0) f -= 1;
  const c = f + zp;
  return Math.max(0, Math.min(c, 15));
}

export interface QuantizedRows {
  q4: Uint8Array;
  /** float32 or float16 bytes */
  scales: Uint8Array;
  zeroPoints: Uint8Array;
}

/** Quantises `rows` rows of K float32 weights ([rows, K], row-major). */
export function quantizeRows(w: Float32Array, rows: number, k: number, scaleType: 'float32' | 'float16'): QuantizedRows {
  if (k % BLOCK) throw new Error(`K ${k} is not a multiple of ${BLOCK}`);
  const kb = k / BLOCK;
  const zpBytes = Math.ceil(kb / 2);
  const q4 = new Uint8Array(rows * kb * (BLOCK / 2));
  const scales32 = new Float32Array(rows * kb);
  const zeroPoints = new Uint8Array(rows * zpBytes);
  for (let r = 0; r < rows; r++) {
    for (let b = 0; b < kb; b++) {
      const base = r * k + b * BLOCK;
      let lo = 0;
      let hi = 0;
      for (let i = 0; i < BLOCK; i++) {
        const x = w[base + i] as number;
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
      let scale = Math.fround(Math.fround(hi - lo) / 15);
      if (scale === 0) scale = 1;
      const zp = code(Math.fround(-lo / scale), 0);
      const out = (r * kb + b) * (BLOCK / 2);
      for (let i = 0; i < BLOCK / 2; i++) {
        const even = code(Math.fround((w[base + 2 * i] as number) / scale), zp);
        const odd = code(Math.fround((w[base + 2 * i + 1] as number) / scale), zp);
        q4[out + i] = even | (odd << 4);
      }
      scales32[r * kb + b] = scale;
      const at = r * zpBytes + (b >> 1);
      zeroPoints[at] = (zeroPoints[at] as number) | (b & 1 ? zp << 4 : zp);
    }
  }
  let scales: Uint8Array;
  if (scaleType === 'float32') scales = new Uint8Array(scales32.buffer);
  else {
    const h = new Uint16Array(scales32.length);
    for (let i = 0; i < h.length; i++) h[i] = floatToHalfBits(scales32[i] as number);
    scales = new Uint8Array(h.buffer);
  }
  return { q4, scales, zeroPoints };
}
