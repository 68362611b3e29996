import { open } from 'node:fs/promises';

/** Container formats recognised from a file's first bytes, whatever its extension says. */
export type AudioContainer = 'wav' | 'aiff' | 'flac' | 'mp3' | 'ogg' | 'mp4' | 'webm' | 'caf' | 'aac';

const ascii = (bytes: Uint8Array, from: number, length: number) => String.fromCharCode(...bytes.subarray(from, from + length));

/** Identifies an audio container from its header bytes, or returns null when the bytes are not a known audio format. */
export function sniffAudioContainer(head: Uint8Array): AudioContainer | null {
  if (head.length < 4) return null;
  const tag = ascii(head, 0, 4);
  if ((tag === 'RIFF' || tag === 'RF64' || tag === 'BW64') && ascii(head, 8, 4) === 'WAVE') return 'wav';
  if (tag === 'FORM' && (ascii(head, 8, 4) === 'AIFF' || ascii(head, 8, 4) === 'AIFC')) return 'aiff';
  if (tag === 'fLaC') return 'flac';
  if (tag === 'OggS') return 'ogg';
  if (tag === 'caff') return 'caf';
  if (ascii(head, 4, 4) === 'ftyp') return 'mp4';
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return 'webm';
  if (ascii(head, 0, 3) === 'ID3') return 'mp3';
  // MPEG audio frame sync: 11 set bits; layer bits 01/10/11 are MP3/MP2/MP1, 00 with the ADTS pattern is AAC.
  if (head[0] === 0xff && ((head[1] ?? 0) & 0xe0) === 0xe0) return ((head[1] ?? 0) & 0x06) === 0 ? 'aac' : 'mp3';
  return null;
}

export async function readHead(path: string, length = 16): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = new Uint8Array(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
