/**
 * Where the samples of an uncompressed file are and how they are stored: enough to read any frame range by seeking,
 * so a region of a two-hour WAV costs only that region's bytes.
 */
export type PcmEncoding = 'int' | 'uint8' | 'float' | 'alaw' | 'ulaw';

export interface PcmLayout {
  container: 'wav' | 'aiff';
  /** Human-readable codec name for the UI, e.g. "PCM 24-bit" or "PCM float 32-bit". */
  codec: string;
  encoding: PcmEncoding;
  /** Bits each sample occupies in the file (8, 16, 24, 32, 64). */
  containerBits: number;
  /** Meaningful bits (WAVE_FORMAT_EXTENSIBLE's wValidBitsPerSample, AIFF's sampleSize); reported as the bit depth. */
  validBits: number;
  bigEndian: boolean;
  channels: number;
  sampleRate: number;
  /** Byte offset of the first frame. */
  dataOffset: number;
  /** Whole frames present in the file (clamped to the bytes really there). */
  frames: number;
  /** Something the reader worked around, for the UI to show (e.g. a data chunk longer than the file). */
  warning: string | null;
}

/** A file whose header is not what a WAV/AIFF reader can use: the message says what is wrong. */
export class PcmHeaderError extends Error {}

export const bytesPerFrame = (layout: Pick<PcmLayout, 'containerBits' | 'channels'>) => (layout.containerBits / 8) * layout.channels;

/** Whole frames that fit in `available` bytes of data, and a warning when the header claimed more than is there. */
export function clampFrames(declaredBytes: number, available: number, frameBytes: number): { frames: number; warning: string | null } {
  const bytes = Math.min(declaredBytes, Math.max(available, 0));
  const frames = Math.floor(bytes / frameBytes);
  const warning =
    declaredBytes > available
      ? `the header declares ${declaredBytes} bytes of audio but only ${Math.max(available, 0)} are in the file (truncated): reading what is there`
      : null;
  return { frames, warning };
}
