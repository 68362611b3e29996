import { endianness } from 'node:os';
import type { PcmLayout } from './pcm-layout';

/**
 * Interleaved file bytes → one Float32Array per channel, scaled as ffmpeg scales them (integer / 2^(bits−1)), so a
 * lossless file reads bit-exactly the same here and there. 16-bit and 32-bit little-endian data are read through
 * typed-array views (no per-sample DataView call): that path is what keeps a two-hour WAV fast.
 */
const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** G.711 expansions to 16-bit linear (the ITU tables ffmpeg uses too). */
function alawToLinear(byte: number): number {
  const a = byte ^ 0x55;
  const mantissa = a & 0x0f;
  const segment = (a >> 4) & 7;
  const magnitude = segment === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (segment - 1);
  return a & 0x80 ? magnitude : -magnitude;
}

function ulawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  const magnitude = (((u & 0x0f) << 3) + 0x84) << ((u >> 4) & 7);
  return u & 0x80 ? 0x84 - magnitude : magnitude - 0x84;
}

const ALAW = Float32Array.from({ length: 256 }, (_, b) => alawToLinear(b) / 32768);
const ULAW = Float32Array.from({ length: 256 }, (_, b) => ulawToLinear(b) / 32768);

/** Converts `frames` whole frames from the start of `bytes` (which must start at a frame boundary). */
export function pcmToFloat(bytes: Uint8Array, frames: number, layout: PcmLayout): Float32Array[] {
  const { channels, containerBits, encoding, bigEndian } = layout;
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  const n = frames * channels;
  const aligned = bytes.byteOffset % (containerBits / 8) === 0;
  const native = LITTLE_ENDIAN_HOST === !bigEndian && aligned;
  if (encoding === 'float' && containerBits === 32 && native) deinterleaveF32(new Float32Array(bytes.buffer, bytes.byteOffset, n), out);
  else if (encoding === 'float' && containerBits === 64 && native) deinterleaveF64(new Float64Array(bytes.buffer, bytes.byteOffset, n), out);
  else if (encoding === 'int' && containerBits === 16 && native) deinterleaveI16(new Int16Array(bytes.buffer, bytes.byteOffset, n), out, 1 / 32768);
  else if (encoding === 'int' && containerBits === 32 && native) deinterleaveI32(new Int32Array(bytes.buffer, bytes.byteOffset, n), out, 1 / 2147483648);
  else if (encoding === 'uint8')
    deinterleaveF32(
      mapBytes(bytes, n, (b) => (b - 128) / 128),
      out,
    );
  else if (encoding === 'alaw')
    deinterleaveF32(
      mapBytes(bytes, n, (b) => ALAW[b] as number),
      out,
    );
  else if (encoding === 'ulaw')
    deinterleaveF32(
      mapBytes(bytes, n, (b) => ULAW[b] as number),
      out,
    );
  else deinterleaveF64(readGeneric(bytes, n, layout), out);
  return out;
}

function mapBytes(bytes: Uint8Array, n: number, f: (byte: number) => number): Float32Array {
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = f(bytes[i] as number);
  return values;
}

/** The slow path: 24-bit, 8-bit signed (AIFF), big-endian data, unaligned buffers. */
function readGeneric(bytes: Uint8Array, n: number, layout: PcmLayout): Float64Array {
  const { containerBits, encoding, bigEndian } = layout;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = !bigEndian;
  const values = new Float64Array(n);
  const step = containerBits / 8;
  for (let i = 0, p = 0; i < n; i++, p += step) {
    if (encoding === 'float') values[i] = containerBits === 32 ? view.getFloat32(p, little) : view.getFloat64(p, little);
    else if (containerBits === 8) values[i] = view.getInt8(p) / 128;
    else if (containerBits === 16) values[i] = view.getInt16(p, little) / 32768;
    else if (containerBits === 32) values[i] = view.getInt32(p, little) / 2147483648;
    else {
      const b0 = bytes[p] as number;
      const b1 = bytes[p + 1] as number;
      const b2 = bytes[p + 2] as number;
      const unsigned = little ? b0 | (b1 << 8) | (b2 << 16) : b2 | (b1 << 8) | (b0 << 16);
      values[i] = ((unsigned << 8) >> 8) / 8388608; // sign-extend 24 → 32 bits
    }
  }
  return values;
}

// One function per source type: a single shared loop over ArrayLike<number> goes megamorphic and runs ~3× slower.
function deinterleaveI16(source: Int16Array, out: Float32Array[], scale: number): void {
  const channels = out.length;
  for (let c = 0; c < channels; c++) {
    const channel = out[c] as Float32Array;
    for (let i = 0, j = c; i < channel.length; i++, j += channels) channel[i] = (source[j] as number) * scale;
  }
}

function deinterleaveI32(source: Int32Array, out: Float32Array[], scale: number): void {
  const channels = out.length;
  for (let c = 0; c < channels; c++) {
    const channel = out[c] as Float32Array;
    for (let i = 0, j = c; i < channel.length; i++, j += channels) channel[i] = (source[j] as number) * scale;
  }
}

function deinterleaveF32(source: Float32Array, out: Float32Array[]): void {
  const channels = out.length;
  for (let c = 0; c < channels; c++) {
    const channel = out[c] as Float32Array;
    for (let i = 0, j = c; i < channel.length; i++, j += channels) channel[i] = source[j] as number;
  }
}

function deinterleaveF64(source: Float64Array, out: Float32Array[]): void {
  const channels = out.length;
  for (let c = 0; c < channels; c++) {
    const channel = out[c] as Float32Array;
    for (let i = 0, j = c; i < channel.length; i++, j += channels) channel[i] = source[j] as number;
  }
}
