import type { FileHandle } from 'node:fs/promises';
import { bytesPerFrame, clampFrames, impossibleShape, type PcmEncoding, PcmHeaderError, type PcmLayout } from './pcm-layout';

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/** The 80-bit IEEE 754 extended float AIFF stores its sample rate in. */
export function readExtended(bytes: Buffer, offset: number): number {
  const exponent = bytes.readUInt16BE(offset) & 0x7fff;
  const sign = bytes.readUInt16BE(offset) & 0x8000 ? -1 : 1;
  const hi = bytes.readUInt32BE(offset + 2);
  const lo = bytes.readUInt32BE(offset + 6);
  if (exponent === 0 && hi === 0 && lo === 0) return 0;
  return sign * (hi * 2 ** (exponent - 16383 - 31) + lo * 2 ** (exponent - 16383 - 63));
}

/** AIFC compression types that are really uncompressed (or G.711), with how to read them. */
const AIFC_TYPES: Record<string, { encoding: PcmEncoding; bigEndian: boolean; bits?: number; codec?: string }> = {
  NONE: { encoding: 'int', bigEndian: true },
  twos: { encoding: 'int', bigEndian: true },
  sowt: { encoding: 'int', bigEndian: false },
  fl32: { encoding: 'float', bigEndian: true, bits: 32 },
  FL32: { encoding: 'float', bigEndian: true, bits: 32 },
  fl64: { encoding: 'float', bigEndian: true, bits: 64 },
  FL64: { encoding: 'float', bigEndian: true, bits: 64 },
  alaw: { encoding: 'alaw', bigEndian: true, bits: 8, codec: 'A-law' },
  ALAW: { encoding: 'alaw', bigEndian: true, bits: 8, codec: 'A-law' },
  ulaw: { encoding: 'ulaw', bigEndian: true, bits: 8, codec: 'µ-law' },
  ULAW: { encoding: 'ulaw', bigEndian: true, bits: 8, codec: 'µ-law' },
};

/** Reads an AIFF or AIFF-C header (COMM + SSND chunks; everything else is skipped). Only header bytes are read. */
export async function readAiffLayout(handle: FileHandle, fileSize: number): Promise<PcmLayout> {
  const form = await readAt(handle, 0, 12);
  const kind = form.toString('latin1', 8, 12);
  if (form.length < 12 || form.toString('latin1', 0, 4) !== 'FORM' || (kind !== 'AIFF' && kind !== 'AIFC')) {
    throw new PcmHeaderError('not an AIFF file (no FORM/AIFF header)');
  }
  let comm: Buffer | null = null;
  let ssnd: { offset: number; size: number } | null = null;
  let position = 12;
  while (position + 8 <= fileSize && !(comm && ssnd)) {
    const header = await readAt(handle, position, 8);
    if (header.length < 8) break;
    const id = header.toString('latin1', 0, 4);
    const size = header.readUInt32BE(4);
    if (id === 'COMM') {
      comm = await readAt(handle, position + 8, Math.min(size, 64));
      if (comm.length < 18) throw new PcmHeaderError('the COMM chunk is cut short (truncated header)');
    } else if (id === 'SSND') {
      const head = await readAt(handle, position + 8, 8);
      if (head.length < 8) throw new PcmHeaderError('the SSND chunk is cut short');
      const skip = head.readUInt32BE(0); // block-alignment padding before the first frame
      ssnd = { offset: position + 16 + skip, size: size - 8 - skip };
    }
    position += 8 + size + (size % 2);
  }
  if (!comm) throw new PcmHeaderError('no COMM chunk (the file is truncated or not an AIFF)');
  const channels = comm.readUInt16BE(0);
  const declaredFrames = comm.readUInt32BE(2);
  const sampleSize = comm.readUInt16BE(6);
  const sampleRate = Math.round(readExtended(comm, 8));
  const compression = kind === 'AIFC' && comm.length >= 22 ? comm.toString('latin1', 18, 22) : 'NONE';
  const type = AIFC_TYPES[compression];
  if (!type) throw new PcmHeaderError(`AIFF-C compression "${compression.trim()}" is not supported`);
  if (!ssnd) throw new PcmHeaderError('no SSND chunk (the file is truncated or has no audio)');
  const containerBits = type.bits ?? Math.ceil(sampleSize / 8) * 8;
  if (type.encoding === 'int' && ![8, 16, 24, 32].includes(containerBits)) throw new PcmHeaderError(`${sampleSize}-bit AIFF samples are not supported`);
  // The 80-bit float can say Infinity, NaN or 1e19 Hz.
  const impossible = impossibleShape(channels, sampleRate);
  if (impossible) throw new PcmHeaderError(impossible);
  const frameBytes = bytesPerFrame({ containerBits, channels });
  const declaredBytes = Math.min(declaredFrames * frameBytes, Math.max(ssnd.size, 0));
  const { frames, warning } = clampFrames(declaredBytes, fileSize - ssnd.offset, frameBytes);
  const validBits = type.encoding === 'float' ? containerBits : type.bits ? 8 : sampleSize;
  return {
    container: 'aiff',
    codec: type.codec ?? (type.encoding === 'float' ? `PCM float ${containerBits}-bit` : `PCM ${validBits}-bit`),
    encoding: type.encoding,
    containerBits,
    validBits,
    bigEndian: type.bigEndian,
    channels,
    sampleRate,
    dataOffset: ssnd.offset,
    frames,
    warning,
  };
}
