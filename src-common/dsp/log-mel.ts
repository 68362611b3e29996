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
  private readonly padded: Float64Array;
  private readonly mel: Float64Array;

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
    this.padded = new Float64Array(config.chunkSamples + nFft);
    this.mel = new Float64Array(nMels * this.frames);
  }

  get frames(): number {
    return Math.floor(this.config.chunkSamples / this.config.hopLength);
  }

  extract(audio: Float32Array): LogMel {
    const { nFft, nMels, hopLength, chunkSamples } = this.config;
    const pad = nFft / 2;
    const frames = this.frames;
    const real = Math.min(audio.length, chunkSamples);
    // Chunk with reflect padding on both sides (torch.stft(center=True, pad_mode='reflect')).
    const padded = this.padded;
    padded.fill(0);
    for (let i = 0; i < real; i++) padded[pad + i] = audio[i] ?? 0;
    for (let i = 1; i <= pad; i++) {
      padded[pad - i] = padded[pad + i] ?? 0;
      padded[pad + chunkSamples - 1 + i] = padded[pad + chunkSamples - 1 - i] ?? 0;
    }

    const mel = this.mel;
    mel.fill(0);
    const frameRe = new Float64Array(nFft);
    const zeroIm = new Float64Array(nFft);
    const outRe = new Float64Array(nFft);
    const outIm = new Float64Array(nFft);
    const power = new Float64Array(this.bins);
    // Frames lying entirely in the zero padding have zero power: skip their FFT.
    const lastLive = Math.min(frames - 1, Math.ceil((real + pad) / hopLength));
    // Frames past lastLive keep mel = 0 (the log floor handles them like any silent frame).
    for (let t = 0; t <= lastLive; t++) {
      for (let i = 0; i < nFft; i++) frameRe[i] = (padded[t * hopLength + i] ?? 0) * (this.window[i] ?? 0);
      this.fft.transform(frameRe, zeroIm, outRe, outIm);
      for (let b = 0; b < this.bins; b++) power[b] = (outRe[b] ?? 0) ** 2 + (outIm[b] ?? 0) ** 2;
      for (let m = 0; m < nMels; m++) {
        let sum = 0;
        const row = m * this.bins;
        const end = this.support[2 * m + 1] ?? 0;
        for (let b = this.support[2 * m] ?? 0; b < end; b++) sum += (this.filters[row + b] ?? 0) * (power[b] ?? 0);
        mel[m * frames + t] = sum;
      }
    }

    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < mel.length; i++) {
      const value = Math.log10(Math.max(mel[i] ?? 0, 1e-10));
      mel[i] = value;
      if (value > max) max = value;
    }
    const features = new Float32Array(mel.length);
    for (let i = 0; i < mel.length; i++) features[i] = (Math.max(mel[i] ?? 0, max - 8) + 4) / 4;
    return { features, frames, melLength: Math.min(Math.ceil(real / hopLength), frames) };
  }
}
