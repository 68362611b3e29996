import type { FileHandle } from 'node:fs/promises';
import { bytesPerFrame, clampFrames, impossibleShape, type PcmEncoding, PcmHeaderError, type PcmLayout } from './pcm-layout';

/** CAF's linear-PCM format flags (Apple's CoreAudioTypes): the samples are floats / little-endian. */
const FLAG_FLOAT = 1;
const FLAG_LITTLE_ENDIAN = 2;

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/** The stream description of a CAF file (its `desc` chunk). */
interface CafDescription {
  sampleRate: number;
  formatId: string;
  formatFlags: number;
  bytesPerPacket: number;
  framesPerPacket: number;
  channels: number;
  bitsPerChannel: number;
}

/**
 * Reads a CAF file's `desc` and `data` chunks. Returns the layout when the audio is uncompressed — linear PCM
 * (integer or float, either byte order), A-law or µ-law — so it is read by seeking like WAV and AIFF; returns null for
 * compressed audio in CAF (AAC, ALAC, …), which the codec decoders handle. Only header bytes are read.
 */
export async function readCafLayout(handle: FileHandle, fileSize: number): Promise<PcmLayout | null> {
  const head = await readAt(handle, 0, 8);
  if (head.length < 8 || head.toString('latin1', 0, 4) !== 'caff') throw new PcmHeaderError('not a CAF file (no caff header)');
  let desc: CafDescription | null = null;
  let position = 8;
  while (position + 12 <= fileSize) {
    const header = await readAt(handle, position, 12);
    if (header.length < 12) break;
    const id = header.toString('latin1', 0, 4);
    const size = header.readBigInt64BE(4);
    const body = position + 12;
    if (id === 'desc') {
      const bytes = await readAt(handle, body, 32);
      if (bytes.length < 32) throw new PcmHeaderError('the desc chunk is cut short (truncated header)');
      desc = {
        sampleRate: bytes.readDoubleBE(0),
        formatId: bytes.toString('latin1', 8, 12),
        formatFlags: bytes.readUInt32BE(12),
        bytesPerPacket: bytes.readUInt32BE(16),
        framesPerPacket: bytes.readUInt32BE(20),
        channels: bytes.readUInt32BE(24),
        bitsPerChannel: bytes.readUInt32BE(28),
      };
      const impossible = impossibleShape(desc.channels, Math.round(desc.sampleRate));
      if (impossible) throw new PcmHeaderError(impossible);
      if (!['lpcm', 'alaw', 'ulaw'].includes(desc.formatId)) return null;
    } else if (id === 'data') {
      if (!desc) throw new PcmHeaderError('the data chunk comes before the desc chunk');
      // After the 4-byte edit count. A size of -1 means "until the end of the file" (a recording still being written).
      const dataOffset = body + 4;
      const declared = size < 0n ? fileSize - dataOffset : Number(size) - 4;
      return layoutFrom(desc, dataOffset, Math.max(declared, 0), fileSize);
    }
    if (size < 0n) break;
    position = body + Number(size);
  }
  throw new PcmHeaderError(desc ? 'no data chunk (the file is truncated or has no audio)' : 'no desc chunk (the file is truncated or not a CAF)');
}

function layoutFrom(desc: CafDescription, dataOffset: number, dataSize: number, fileSize: number): PcmLayout {
  const { channels, bitsPerChannel: bits } = desc;
  let encoding: PcmEncoding;
  let codec: string;
  let bigEndian = true;
  if (desc.formatId === 'alaw' || desc.formatId === 'ulaw') {
    if (bits !== 8) throw new PcmHeaderError(`${desc.formatId === 'alaw' ? 'A-law' : 'µ-law'} with ${bits} bits per sample is not G.711`);
    encoding = desc.formatId;
    codec = desc.formatId === 'alaw' ? 'A-law' : 'µ-law';
  } else {
    const float = (desc.formatFlags & FLAG_FLOAT) !== 0;
    bigEndian = (desc.formatFlags & FLAG_LITTLE_ENDIAN) === 0;
    if (float ? bits !== 32 && bits !== 64 : ![8, 16, 24, 32].includes(bits)) {
      throw new PcmHeaderError(`CAF linear PCM with ${bits}-bit ${float ? 'float' : 'integer'} samples is not supported`);
    }
    encoding = float ? 'float' : 'int'; // 8-bit CAF PCM is signed, as in AIFF
    codec = float ? `PCM float ${bits}-bit` : `PCM ${bits}-bit`;
  }
  const frameBytes = bytesPerFrame({ containerBits: bits, channels });
  if (desc.bytesPerPacket !== frameBytes || desc.framesPerPacket !== 1)
    throw new PcmHeaderError(`packets of ${desc.bytesPerPacket} bytes / ${desc.framesPerPacket} frames do not match ${channels} × ${bits}-bit samples`);
  const { frames, warning } = clampFrames(dataSize, fileSize - dataOffset, frameBytes);
  return {
    container: 'caf',
    codec,
    encoding,
    containerBits: bits,
    validBits: bits,
    bigEndian,
    channels,
    sampleRate: Math.round(desc.sampleRate),
    dataOffset,
    frames,
    warning,
  };
}
