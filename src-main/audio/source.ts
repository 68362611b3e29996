/** What a file is, as far as the header (or a first decoded packet) tells. */
export interface AudioInfo {
  /** Container from the file's bytes: wav, aiff, flac, mp3, ogg, mp4, aac, webm, caf. */
  container: string;
  /** Codec for people: "PCM 24-bit", "FLAC", "MP3", "Opus", "Vorbis", "AAC", … */
  codec: string;
  sampleRate: number;
  channels: number;
  /** Bits per sample of lossless audio; null for lossy codecs, where it has no meaning. */
  bitDepth: number | null;
  /** Frames (samples per channel) when the header says so exactly; null when only decoding the whole file tells. */
  frames: number | null;
  lossless: boolean;
  /** Something the reader worked around and the user may want to know (e.g. a truncated data chunk). */
  warning: string | null;
}

/** Planar samples at the file's own rate: one Float32Array per channel, all the same length. */
export type Block = Float32Array[];

/** An opened audio file: its description and a way to stream any frame range of it. */
export interface AudioSource {
  path: string;
  info: AudioInfo;
  /**
   * Streams the frames [start, end) (end null: to the end) in blocks. Uncompressed files seek straight to `start`;
   * compressed ones decode from the beginning and drop what comes before it. `onProgress` gets the fraction of the
   * file's bytes consumed so far.
   */
  blocks(start: number, end: number | null, onProgress?: (fraction: number) => void): AsyncGenerator<Block>;
  /** Uncompressed 16/32-bit integer or 32-bit float files only: the whole file's raw interleaved samples, for speed. */
  interleaved?(onProgress?: (fraction: number) => void): AsyncGenerator<InterleavedBlock>;
}

/** Raw interleaved samples as the file stores them; multiply by `scale` for −1…1. Valid only until the next block. */
export interface InterleavedBlock {
  data: Int16Array | Int32Array | Float32Array;
  frames: number;
  scale: number;
}
