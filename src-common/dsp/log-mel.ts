import { FFT } from './fft';
import { melFilters } from './mel-filters';

/** The audio front end of a bundle (manifest `audio`): Whisper's values, with a chunk the model was trained for. */
export interface LogMelConfig {
  sampleRate: number;
  nMels: number;
  nFft: number;
  hopLength: number;
  /** Samples the audio is padded or cut to (30 s for Whisper itself). */
  chunkSamples: number;
}

export interface LogMel {
  /** Row-major [nMels, frames]. */
  features: Float32Array;
  frames: number;
  /** Frames that hold real audio, before padding: ceil(samples / hop), at most `frames`. */
  melLength: number;
}

/**
 * Whisper's log-mel spectrogram, computed as Whisper computes it: pad/cut to the chunk, centred STFT with reflect
 * padding and a periodic Hann window, power spectrum, last frame dropped, mel filters, log10 of at least 1e-10,
 * floor at (max − 8), then (x + 4) / 4.
 */
export class LogMelExtractor {
  private readonly fft: FFT;
  private readonly window: Float64Array;
  private readonly filters: Float64Array;
  private readonly bins: number;
  /** Per mel filter, the FFT bins where it is non-zero [first, end): a triangle covers a few bins out of 201. */
  private readonly support: Int32Array;
  /**
   * Work buffers, reused from call to call (extract is synchronous, so calls never overlap): a 6 s chunk needs
   * ~1.2 MB of them, and allocating that afresh for every question left garbage for the first denoising step.
   */
  /** Float32 like the audio it copies (exactly): half the memory a frame's reads walk through. */
  private readonly padded: Float32Array;
  private readonly mel: Float64Array;
  private readonly work: Record<'frameRe' | 'frameIm' | 'outRe' | 'outIm' | 'powerA' | 'powerB', Float64Array>;

  constructor(readonly config: LogMelConfig) {
    const { nFft, nMels, sampleRate } = config;
    this.fft = new FFT(nFft);
    this.window = Float64Array.from({ length: nFft }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / nFft));
    this.filters = melFilters(nMels, nFft, sampleRate);
    this.bins = Math.floor(nFft / 2) + 1;
    this.support = new Int32Array(2 * nMels);
    for (let m = 0; m < nMels; m++) {
      let first = this.bins;
      let end = 0;
      for (let b = 0; b < this.bins; b++) {
        if ((this.filters[m * this.bins + b] ?? 0) !== 0) {
          first = Math.min(first, b);
          end = b + 1;
        }
      }
      this.support[2 * m] = Math.min(first, end);
      this.support[2 * m + 1] = end;
    }
    this.padded = new Float32Array(config.chunkSamples + nFft);
    this.mel = new Float64Array(nMels * this.frames);
    const bins = this.bins;
    this.work = {
      frameRe: new Float64Array(nFft),
      frameIm: new Float64Array(nFft),
      outRe: new Float64Array(nFft),
      outIm: new Float64Array(nFft),
      powerA: new Float64Array(bins),
      powerB: new Float64Array(bins),
    };
  }

  /** mel[m, t] = Σ_b filters[m, b] · power[b], over each filter's non-zero bins only. */
  private applyFilters(power: Float64Array, mel: Float64Array, t: number, frames: number): void {
    const { filters, support, bins } = this;
    for (let m = 0; m < this.config.nMels; m++) {
      let sum = 0;
      const row = m * bins;
      const end = support[2 * m + 1] as number;
      for (let b = support[2 * m] as number; b < end; b++) sum += (filters[row + b] as number) * (power[b] as number);
      mel[m * frames + t] = sum;
    }
  }

  get frames(): number {
    return Math.floor(this.config.chunkSamples / this.config.hopLength);
  }

  extract(audio: Float32Array): LogMel {
    const { nFft, hopLength, chunkSamples } = this.config;
    const pad = nFft / 2;
    const frames = this.frames;
    const real = Math.min(audio.length, chunkSamples);
    // Chunk with reflect padding on both sides (torch.stft(center=True, pad_mode='reflect')).
    const padded = this.padded;
    padded.set(real === audio.length ? audio : audio.subarray(0, real), pad);
    padded.fill(0, pad + real);
    for (let i = 1; i <= pad; i++) {
      padded[pad - i] = padded[pad + i] ?? 0;
      padded[pad + chunkSamples - 1 + i] = padded[pad + chunkSamples - 1 - i] ?? 0;
    }

    const mel = this.mel;
    // Frames lying entirely in the zero padding have zero power: no FFT, and their mel values are never read (their
    // log is the floor's, below).
    const lastLive = Math.min(frames - 1, Math.ceil((real + pad) / hopLength));
    // Two real frames per complex FFT: z = a + i·b, then A[k] = (Z[k] + conj Z[N−k]) / 2 and
    // B[k] = (Z[k] − conj Z[N−k]) / 2i, so half the transforms of one frame per FFT.
    const { frameRe, frameIm, outRe, outIm, powerA, powerB } = this.work;
    const window = this.window;
    const bins = this.bins;
    for (let t = 0; t <= lastLive; t += 2) {
      const second = t + 1 <= lastLive;
      const a0 = t * hopLength;
      const b0 = a0 + hopLength;
      for (let i = 0; i < nFft; i++) {
        const w = window[i] as number;
        frameRe[i] = (padded[a0 + i] as number) * w;
        frameIm[i] = second ? (padded[b0 + i] as number) * w : 0;
      }
      this.fft.transform(frameRe, frameIm, outRe, outIm);
      for (let k = 0; k < bins; k++) {
        const mirror = k === 0 ? 0 : nFft - k;
        const re = outRe[k] as number;
        const im = outIm[k] as number;
        const mRe = outRe[mirror] as number;
        const mIm = outIm[mirror] as number;
        powerA[k] = ((re + mRe) * (re + mRe) + (im - mIm) * (im - mIm)) / 4;
        powerB[k] = ((im + mIm) * (im + mIm) + (re - mRe) * (re - mRe)) / 4;
      }
      this.applyFilters(powerA, mel, t, frames);
      if (second) this.applyFilters(powerB, mel, t + 1, frames);
    }

    // The frames after the last live one are all zero power: their log is the floor's, computed once, not per value
    // (a 3 s question leaves half of a 6 s chunk silent). Same values, same order of operations as for every frame.
    const { nMels } = this.config;
    const live = lastLive + 1;
    const silentLog = Math.log10(1e-10);
    let max = live < frames ? silentLog : Number.NEGATIVE_INFINITY;
    for (let m = 0; m < nMels; m++) {
      const row = m * frames;
      for (let i = row; i < row + live; i++) {
        const value = Math.log10(Math.max(mel[i] as number, 1e-10));
        mel[i] = value;
        if (value > max) max = value;
      }
    }
    const features = new Float32Array(mel.length);
    const floor = max - 8;
    const silentFeature = (Math.max(silentLog, floor) + 4) / 4;
    for (let m = 0; m < nMels; m++) {
      const row = m * frames;
      for (let i = row; i < row + live; i++) features[i] = (Math.max(mel[i] as number, floor) + 4) / 4;
      if (live < frames) features.fill(silentFeature, row + live, row + frames);
    }
    return { features, frames, melLength: Math.min(Math.ceil(real / hopLength), frames) };
  }
}
