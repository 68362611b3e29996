/**
 * Multi-resolution min/max peaks for drawing a waveform without the samples: level k holds one (min, max) pair per
 * BASE·4^k frames of each channel. Level 0 is computed from the samples in one pass; each coarser level folds four
 * peaks of the level below, so all levels together cost a third more than level 0. Values are stored as Int16
 * (x·32767, clamped): a waveform needs no more, and a two-hour stereo file's peaks then take ~14 MB.
 */
export const BASE_SAMPLES_PER_PEAK = 256;
export const LEVEL_FACTOR = 4;
/** Coarser levels stop once a level has at most this many peaks (about a screen's width). */
const COARSEST_PEAKS = 2048;

export interface PeakLevel {
  samplesPerPeak: number;
  /** Per channel: min and max interleaved (min0, max0, min1, max1, …). */
  channels: Int16Array[];
}

export interface PeakPyramid {
  sampleRate: number;
  frames: number;
  levels: PeakLevel[];
}

const toInt16 = (v: number) => Math.max(-32768, Math.min(32767, Math.round(v * 32767)));

/** Streams level 0: push blocks of any size; `finish()` closes the last, partial peak. */
export class PeakBuilder {
  private readonly parts: Int16Array[][];
  private readonly current: Int16Array[];
  private fill = 0;
  private readonly min: number[];
  private readonly max: number[];
  private frames = 0;

  constructor(
    private readonly sampleRate: number,
    private readonly channels: number,
  ) {
    this.parts = Array.from({ length: channels }, () => []);
    this.current = Array.from({ length: channels }, () => new Int16Array(2 * 4096));
    this.min = Array(channels).fill(Number.POSITIVE_INFINITY);
    this.max = Array(channels).fill(Number.NEGATIVE_INFINITY);
  }

  /** How far into the current peak the stream is, in frames. */
  private phase = 0;

  push(block: Float32Array[]): void {
    const n = block[0]?.length ?? 0;
    let i = 0;
    while (i < n) {
      const take = Math.min(BASE_SAMPLES_PER_PEAK - this.phase, n - i);
      for (let c = 0; c < this.channels; c++) {
        const x = block[c] as Float32Array;
        let lo = this.min[c] as number;
        let hi = this.max[c] as number;
        for (let j = i; j < i + take; j++) {
          const v = x[j] as number;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        this.min[c] = lo;
        this.max[c] = hi;
      }
      i += take;
      this.phase += take;
      if (this.phase === BASE_SAMPLES_PER_PEAK) this.closePeak();
    }
    this.frames += n;
  }

  /**
   * The fast path for uncompressed files: min/max straight from the file's interleaved integers or floats (values
   * × `scale` = −1…1), with no per-sample conversion or deinterleaved copies. Two hours of 16-bit stereo pass through
   * here in about the time it takes to read them.
   */
  pushInterleaved(data: Int16Array | Int32Array | Float32Array, frames: number, scale: number): void {
    const channels = this.channels;
    let i = 0;
    while (i < frames) {
      const take = Math.min(BASE_SAMPLES_PER_PEAK - this.phase, frames - i);
      for (let c = 0; c < channels; c++) {
        let lo = Number.POSITIVE_INFINITY;
        let hi = Number.NEGATIVE_INFINITY;
        const end = (i + take) * channels;
        for (let j = i * channels + c; j < end; j += channels) {
          const v = data[j] as number;
          // biome-ignore lint/complexity/useMathMinMax: the hottest loop of a two-hour open; plain selects, no calls
          lo = v < lo ? v : lo;
          // biome-ignore lint/complexity/useMathMinMax: as above
          hi = v > hi ? v : hi;
        }
        this.min[c] = Math.min(this.min[c] as number, lo * scale);
        this.max[c] = Math.max(this.max[c] as number, hi * scale);
      }
      i += take;
      this.phase += take;
      if (this.phase === BASE_SAMPLES_PER_PEAK) this.closePeak();
    }
    this.frames += frames;
  }

  private closePeak(): void {
    for (let c = 0; c < this.channels; c++) {
      const current = this.current[c] as Int16Array;
      current[2 * this.fill] = toInt16(this.min[c] as number);
      current[2 * this.fill + 1] = toInt16(this.max[c] as number);
    }
    this.min.fill(Number.POSITIVE_INFINITY);
    this.max.fill(Number.NEGATIVE_INFINITY);
    this.phase = 0;
    this.fill++;
    if (this.fill * 2 === (this.current[0] as Int16Array).length) this.flushCurrent();
  }

  private flushCurrent(): void {
    this.parts.forEach((parts, c) => {
      parts.push((this.current[c] as Int16Array).slice(0, 2 * this.fill));
    });
    this.fill = 0;
  }

  finish(): PeakPyramid {
    if (this.phase > 0) this.closePeak();
    this.flushCurrent();
    const level0 = this.parts.map((parts) => {
      const out = new Int16Array(parts.reduce((s, p) => s + p.length, 0));
      let offset = 0;
      for (const part of parts) {
        out.set(part, offset);
        offset += part.length;
      }
      return out;
    });
    const levels: PeakLevel[] = [{ samplesPerPeak: BASE_SAMPLES_PER_PEAK, channels: level0 }];
    for (let last = levels[0] as PeakLevel; (last.channels[0]?.length ?? 0) / 2 > COARSEST_PEAKS; last = levels[levels.length - 1] as PeakLevel) {
      levels.push(foldLevel(last));
    }
    return { sampleRate: this.sampleRate, frames: this.frames, levels };
  }
}

/** The next coarser level: each peak spans LEVEL_FACTOR peaks of `level`. */
export function foldLevel(level: PeakLevel): PeakLevel {
  const channels = level.channels.map((fine) => {
    const count = Math.ceil(fine.length / 2 / LEVEL_FACTOR);
    const coarse = new Int16Array(2 * count);
    for (let k = 0; k < count; k++) {
      let lo = 32767;
      let hi = -32768;
      const end = Math.min((k + 1) * LEVEL_FACTOR, fine.length / 2);
      for (let j = k * LEVEL_FACTOR; j < end; j++) {
        lo = Math.min(lo, fine[2 * j] as number);
        hi = Math.max(hi, fine[2 * j + 1] as number);
      }
      coarse[2 * k] = lo;
      coarse[2 * k + 1] = hi;
    }
    return coarse;
  });
  return { samplesPerPeak: level.samplesPerPeak * LEVEL_FACTOR, channels };
}

/**
 * The level to draw `frames` frames into about `width` peaks: the finest whose peaks each span at least
 * frames/width frames (never finer than needed, so a reply stays near `width` long).
 */
export function chooseLevel(pyramid: PeakPyramid, frames: number, width: number): PeakLevel {
  const wanted = frames / Math.max(width, 1);
  return pyramid.levels.find((level) => level.samplesPerPeak >= wanted) ?? (pyramid.levels[pyramid.levels.length - 1] as PeakLevel);
}
