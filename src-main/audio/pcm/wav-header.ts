import type { FileHandle } from 'node:fs/promises';
import { bytesPerFrame, clampFrames, impossibleShape, type PcmEncoding, PcmHeaderError, type PcmLayout } from './pcm-layout';

const FORMAT_PCM = 0x0001;
const FORMAT_FLOAT = 0x0003;
const FORMAT_ALAW = 0x0006;
const FORMAT_MULAW = 0x0007;
const FORMAT_EXTENSIBLE = 0xfffe;

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

function encodingOf(tag: number, bits: number): PcmEncoding {
  if (tag === FORMAT_PCM) {
    if (bits === 8) return 'uint8';
    if ([16, 24, 32].includes(bits)) return 'int';
  }
  if (tag === FORMAT_FLOAT && (bits === 32 || bits === 64)) return 'float';
  if (tag === FORMAT_ALAW && bits === 8) return 'alaw';
  if (tag === FORMAT_MULAW && bits === 8) return 'ulaw';
  throw new PcmHeaderError(`WAV sample format 0x${tag.toString(16)} with ${bits} bits per sample is not supported`);
}

function codecName(encoding: PcmEncoding, validBits: number): string {
  if (encoding === 'float') return `PCM float ${validBits}-bit`;
  if (encoding === 'alaw') return 'A-law';
  if (encoding === 'ulaw') return 'µ-law';
  return `PCM ${validBits}-bit`;
}

/**
 * Reads a RIFF/RF64/BW64 WAVE header by walking its chunks (fmt, ds64, data; bext, LIST, iXML, … are skipped), so
 * Broadcast WAVs and files with metadata before the audio read the same. Only the header bytes are read.
 */
export async function readWavLayout(handle: FileHandle, fileSize: number): Promise<PcmLayout> {
  const riff = await readAt(handle, 0, 12);
  const tag = riff.toString('latin1', 0, 4);
  if (riff.length < 12 || !['RIFF', 'RF64', 'BW64'].includes(tag) || riff.toString('latin1', 8, 12) !== 'WAVE') {
    throw new PcmHeaderError('not a WAVE file (no RIFF/WAVE header)');
  }
  let fmt: Buffer | null = null;
  let ds64DataSize: number | null = null;
  let position = 12;
  while (position + 8 <= fileSize) {
    const header = await readAt(handle, position, 8);
    if (header.length < 8) break;
    const id = header.toString('latin1', 0, 4);
    let size = header.readUInt32LE(4);
    const body = position + 8;
    if (id === 'ds64') {
      const ds64 = await readAt(handle, body, Math.min(size, 28));
      // RF64 keeps 64-bit sizes here; the 32-bit fields elsewhere hold 0xFFFFFFFF.
      if (ds64.length >= 16) ds64DataSize = Number(ds64.readBigUInt64LE(8));
    } else if (id === 'fmt ') {
      fmt = await readAt(handle, body, Math.min(size, 40));
      if (fmt.length < 16) throw new PcmHeaderError('the fmt chunk is cut short (truncated header)');
    } else if (id === 'data') {
      if (!fmt) throw new PcmHeaderError('the data chunk comes before any fmt chunk');
      if (size === 0xffffffff && ds64DataSize !== null) size = ds64DataSize;
      // Recorders that crash, or stream a WAV, leave 0 or 0xFFFFFFFF here: the data then runs to the end of the file.
      if (size === 0 || size === 0xffffffff) size = fileSize - body;
      return layoutFromFmt(fmt, body, size, fileSize);
    }
    if (size === 0xffffffff && ds64DataSize === null) break;
    position = body + size + (size % 2); // chunks are padded to even sizes
  }
  throw new PcmHeaderError(fmt ? 'no data chunk (the file is truncated or not a complete WAV)' : 'no fmt chunk (the file is truncated or not a WAV)');
}

function layoutFromFmt(fmt: Buffer, dataOffset: number, dataSize: number, fileSize: number): PcmLayout {
  let tag = fmt.readUInt16LE(0);
  const channels = fmt.readUInt16LE(2);
  const sampleRate = fmt.readUInt32LE(4);
  const blockAlign = fmt.readUInt16LE(12);
  const bits = fmt.readUInt16LE(14);
  let validBits = bits;
  if (tag === FORMAT_EXTENSIBLE) {
    if (fmt.length < 40) throw new PcmHeaderError('WAVE_FORMAT_EXTENSIBLE header is cut short');
    validBits = fmt.readUInt16LE(18) || bits;
    tag = fmt.readUInt16LE(24); // the sub-format GUID starts with the plain format tag
  }
  const impossible = impossibleShape(channels, sampleRate);
  if (impossible) throw new PcmHeaderError(impossible);
  const encoding = encodingOf(tag, bits);
  const layout = { containerBits: bits, channels };
  if (blockAlign !== bytesPerFrame(layout)) throw new PcmHeaderError(`block size ${blockAlign} does not match ${channels} × ${bits}-bit samples`);
  const { frames, warning } = clampFrames(dataSize, fileSize - dataOffset, blockAlign);
  return {
    container: 'wav',
    codec: codecName(encoding, validBits),
    encoding,
    containerBits: bits,
    validBits,
    bigEndian: false,
    channels,
    sampleRate,
    dataOffset,
    frames,
    warning,
  };
}
