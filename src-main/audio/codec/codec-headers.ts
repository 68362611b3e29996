import type { FileHandle } from 'node:fs/promises';

/**
 * What a compressed file's own header says, read without decoding. The MP3 and AAC decoders behind audio-decode
 * always output two channels (mono is upmixed) and audio-decode then collapses *any* chunk whose channels look equal
 * back to one, so a stereo MP3 with identical channels came out mono. The header is the honest source for the channel
 * count; FLAC's STREAMINFO also gives the exact length and bit depth.
 */
export interface HeaderFacts {
  channels: number | null;
  sampleRate: number | null;
  frames: number | null;
  bitDepth: number | null;
  /** Codec inside an MP4 container: the sample entry type (mp4a = AAC, alac = ALAC). */
  mp4Codec: string | null;
}

const NONE: HeaderFacts = { channels: null, sampleRate: null, frames: null, bitDepth: null, mp4Codec: null };

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/** FLAC STREAMINFO: sample rate (20 bits), channels − 1 (3), bits − 1 (5), total samples (36). */
export function flacStreamInfo(head: Buffer): HeaderFacts {
  if (head.length < 8 + 18 || head.toString('latin1', 0, 4) !== 'fLaC' || ((head[4] as number) & 0x7f) !== 0) return NONE;
  const b = head.subarray(8 + 10);
  const at = (i: number) => b[i] as number;
  const sampleRate = (at(0) << 12) | (at(1) << 4) | (at(2) >> 4);
  const channels = ((at(2) >> 1) & 7) + 1;
  const bitDepth = (((at(2) & 1) << 4) | (at(3) >> 4)) + 1;
  const frames = (at(3) & 0x0f) * 2 ** 32 + (((at(4) << 24) | (at(5) << 16) | (at(6) << 8) | at(7)) >>> 0);
  return { channels, sampleRate, frames: frames > 0 ? frames : null, bitDepth, mp4Codec: null };
}

const MP3_RATES = [44100, 48000, 32000];

/** Bytes taken by an ID3v2 tag at the start of `bytes` (0 when there is none): its size is a 28-bit syncsafe integer. */
export function id3Length(bytes: Buffer): number {
  if (bytes.length < 10 || bytes.toString('latin1', 0, 3) !== 'ID3') return 0;
  const size =
    (((bytes[6] as number) & 0x7f) << 21) | (((bytes[7] as number) & 0x7f) << 14) | (((bytes[8] as number) & 0x7f) << 7) | ((bytes[9] as number) & 0x7f);
  return 10 + size + ((bytes[5] as number) & 0x10 ? 10 : 0);
}

/** First MPEG audio frame header after any ID3v2 tag (or in bytes that start after it): channel mode 3 is mono. */
export function mp3Header(bytes: Buffer): HeaderFacts {
  for (let p = id3Length(bytes); p + 4 <= bytes.length; p++) {
    if (bytes[p] !== 0xff || ((bytes[p + 1] as number) & 0xe0) !== 0xe0) continue;
    const version = ((bytes[p + 1] as number) >> 3) & 3; // 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
    const layer = ((bytes[p + 1] as number) >> 1) & 3;
    const bitrate = (bytes[p + 2] as number) >> 4;
    const rate = ((bytes[p + 2] as number) >> 2) & 3;
    if (version === 1 || layer === 0 || bitrate === 15 || rate === 3) continue;
    const sampleRate = (MP3_RATES[rate] as number) / (version === 3 ? 1 : version === 2 ? 2 : 4);
    return { ...NONE, channels: (bytes[p + 3] as number) >> 6 === 3 ? 1 : 2, sampleRate };
  }
  return NONE;
}

/** ADTS (raw .aac) header: the 3-bit channel configuration. */
export function adtsHeader(bytes: Buffer): HeaderFacts {
  if (bytes.length < 7 || bytes[0] !== 0xff || ((bytes[1] as number) & 0xf6) !== 0xf0) return NONE;
  const channels = (((bytes[2] as number) & 1) << 2) | ((bytes[3] as number) >> 6);
  return { ...NONE, channels: channels > 0 ? channels : null };
}

/** MP4/M4A: finds the moov box (at the start or, as ffmpeg writes it by default, at the end) and its audio entry. */
export async function mp4Header(handle: FileHandle, fileSize: number): Promise<HeaderFacts> {
  let position = 0;
  while (position + 8 <= fileSize) {
    const header = await readAt(handle, position, 16);
    if (header.length < 8) break;
    let size = header.readUInt32BE(0);
    const type = header.toString('latin1', 4, 8);
    if (size === 1 && header.length >= 16) size = Number(header.readBigUInt64BE(8));
    else if (size === 0) size = fileSize - position;
    if (size < 8) break;
    if (type === 'moov') {
      const moov = await readAt(handle, position, Math.min(size, 32 << 20));
      for (const entry of ['mp4a', 'alac']) {
        const at = moov.indexOf(entry, 8, 'latin1');
        if (at > 0 && at + 28 <= moov.length) {
          // Muxers write 2 in the sample entry's channel field even for mono AAC: the esds descriptor is the truth.
          const channels = (entry === 'mp4a' ? esdsChannels(moov, at) : null) ?? moov.readUInt16BE(at + 20);
          return { ...NONE, channels: channels || null, mp4Codec: entry };
        }
      }
      return NONE;
    }
    position += size;
  }
  return NONE;
}

/** Reads a descriptor length: up to four bytes, 7 bits each, high bit set on all but the last. */
function descriptorLength(bytes: Buffer, p: number): { length: number; next: number } {
  let length = 0;
  for (let i = 0; i < 4; i++) {
    const b = bytes[p++] as number;
    length = (length << 7) | (b & 0x7f);
    if (!(b & 0x80)) break;
  }
  return { length, next: p };
}

/** The channel configuration in an esds box's AudioSpecificConfig (ES → DecoderConfig → DecSpecificInfo). */
function esdsChannels(moov: Buffer, from: number): number | null {
  const at = moov.indexOf('esds', from, 'latin1');
  if (at < 0) return null;
  let p = at + 8; // type + version/flags
  while (p + 2 < moov.length) {
    const tag = moov[p] as number;
    const { length, next } = descriptorLength(moov, p + 1);
    if (tag === 0x03) {
      const flags = moov[next + 2] as number;
      p = next + 3 + (flags & 0x80 ? 2 : 0) + (flags & 0x20 ? 2 : 0) + (flags & 0x40 ? 1 + (moov[next + 3] as number) : 0);
    } else if (tag === 0x04) p = next + 13;
    else if (tag === 0x05) {
      if (next + 2 > moov.length || length < 2) return null;
      const bits = ((moov[next] as number) << 24) | ((moov[next + 1] as number) << 16) | ((moov[next + 2] as number) << 8) | (moov[next + 3] as number);
      // 5 bits object type, 4 bits frequency index (15: an explicit 24-bit rate follows), then 4 bits of channels.
      const frequencyIndex = (bits >>> 23) & 0x0f;
      if (frequencyIndex === 15 && next + 7 > moov.length) return null; // cut inside the explicit rate
      const channels = frequencyIndex === 15 ? (moov.readUInt32BE(next + 3) >>> 7) & 0x0f : (bits >>> 19) & 0x0f;
      return channels > 0 ? channels : null;
    } else return null;
  }
  return null;
}
