/**
 * Where the samples of an uncompressed file are and how they are stored: enough to read any frame range by seeking,
 * so a region of a two-hour WAV costs only that region's bytes.
 */
export type PcmEncoding = 'int' | 'uint8' | 'float' | 'alaw' | 'ulaw';

export interface PcmLayout {
  container: 'wav' | 'aiff' | 'caf';
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

/**
 * The largest sample rate and channel count a header may claim. 768 kHz is the highest rate any converter or format
 * in use offers (DXD ×2, some DACs); 64 channels covers 3rd-order ambisonics and large microphone arrays. Beyond
 * either, a header is damaged or hostile, not audio.
 */
export const MAX_SAMPLE_RATE = 768_000;
export const MAX_CHANNELS = 64;

/** Why a header's channel count and sample rate cannot be audio, or null when they can. */
export function impossibleShape(channels: number, sampleRate: number): string | null {
  if (!(Number.isInteger(channels) && channels >= 1 && channels <= MAX_CHANNELS))
    return `the header says ${channels} channels (an audio file has 1 to ${MAX_CHANNELS})`;
  if (!(sampleRate >= 1 && sampleRate <= MAX_SAMPLE_RATE))
    return `the header says a sample rate of ${sampleRate} Hz (audio is 1 Hz to ${MAX_SAMPLE_RATE / 1000} kHz)`;
  return null;
}

/** Below this a rate is possible but suspicious (the usual lowest is 8 kHz telephone audio): worth a warning. */
const LOWEST_USUAL_RATE = 1000;

/** A warning for a sample rate no recorder uses, or null. */
export function unusualRateWarning(sampleRate: number): string | null {
  return sampleRate < LOWEST_USUAL_RATE
    ? `the header says ${sampleRate} Hz, far below any audio rate (8 kHz telephone audio is the usual lowest): the header may be damaged`
    : null;
}

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
