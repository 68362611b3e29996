import type { TensorDType } from './tensor-types';

/**
 * Element conversions between the checkpoints' types and the bundle's, bit-exact with numpy (the reference
 * converter): bf16 → f32 is a shift, f16 → f32 exact, f32 → f16 rounds to nearest even with subnormals and
 * overflow to infinity, as numpy's astype(float16) does.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function halfBitsToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

export function floatToHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // rounds to zero
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let h = mant >>> shift;
    if (rest > half || (rest === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++; // a carry into the exponent is right (up to infinity)
  return sign | h;
}

let halfValues: Float32Array | undefined;
/** Every half's float value (256 KB), so widening is one lookup per element. */
function halfTable(): Float32Array {
  if (!halfValues) {
    halfValues = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfValues[h] = halfBitsToFloat(h);
  }
  return halfValues;
}

/** A little-endian tensor's elements as float32 (float types only). */
export function toFloat32(bytes: Uint8Array, dtype: TensorDType): Float32Array {
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : Uint8Array.from(bytes);
  switch (dtype) {
    case 'F32':
      return new Float32Array(aligned.buffer, aligned.byteOffset, aligned.length / 4);
    case 'F16': {
      const h = new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.length / 2);
      const out = new Float32Array(h.length);
      const table = halfTable();
      for (let i = 0; i < h.length; i++) out[i] = table[h[i] as number] as number;
      return out;
    }
    case 'BF16': {
      const h = new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.length / 2);
      const out = new Float32Array(h.length);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < h.length; i++) bits[i] = (h[i] as number) << 16;
      return out;
    }
    case 'F64': {
      const copy = Uint8Array.from(bytes);
      return Float32Array.from(new Float64Array(copy.buffer, 0, copy.length / 8));
    }
    default:
      throw new Error(`${dtype} is not a float type`);
  }
}

/** float32 → IEEE half, as bytes. */
export function toFloat16Bytes(values: Float32Array): Uint8Array {
  const out = new Uint16Array(values.length);
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < values.length; i++) {
    const x = bits[i] as number;
    const exp = (x >>> 23) & 0xff;
    // normal halves (the common case) inline: exponent in range, round to nearest even on the 13 dropped bits
    if (exp > 112 && exp < 143) {
      let h = ((x >>> 16) & 0x8000) | ((exp - 112) << 10) | ((x >>> 13) & 0x3ff);
      const rest = x & 0x1fff;
      if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++;
      out[i] = h;
    } else out[i] = floatToHalfBits(values[i] as number);
  }
  return new Uint8Array(out.buffer);
}
