import { FFT } from '../../../src-common/dsp/fft';
import type { SpectrogramPreset } from './presets';

/** What the worker is asked to paint: samples around a visible window, and the picture's size. */
export interface SpectrogramJob {
  samples: Float32Array;
  sampleRate: number;
  /** Time of samples[0]. */
  samplesStart: number;
  /** The visible window, in seconds. */
  viewStart: number;
  viewEnd: number;
  width: number;
  height: number;
  preset: SpectrogramPreset;
  /** Where each column's frame is centred (an index into `samples`), instead of spreading the view over the width. */
  columnCentres?: Int32Array;
}

export interface SpectrogramImage {
  width: number;
  height: number;
  /** RGBA, row 0 at the top (highest frequency). */
  pixels: Uint8ClampedArray;
  /** The frequency range painted, for the axis. */
  minHz: number;
  maxHz: number;
  fftSize: number;
  /** The dB at the top of the colour range (0 dBFS for full-scale presets). */
  topDb: number;
}

/** The smallest n ≥ target whose only prime factors are 2, 3 and 5 (fast for the mixed-radix FFT). */
export function smoothSize(target: number): number {
  for (let n = Math.max(2, Math.ceil(target)); ; n++) {
    let rest = n;
    for (const p of [2, 3, 5]) while (rest % p === 0) rest /= p;
    if (rest === 1) return n;
  }
}

/** Window samples and FFT size for a preset at a sample rate. */
export function analysisShape(preset: SpectrogramPreset, sampleRate: number): { window: Float64Array; fftSize: number } {
  let length: number;
  let fftSize: number;
  if (preset.windowSeconds !== null) {
    // Praat: a Gaussian window's physical length is twice its effective length.
    length = Math.max(8, Math.round(2 * preset.windowSeconds * sampleRate));
    fftSize = smoothSize(Math.max(length, preset.frequencyStepHz ? sampleRate / preset.frequencyStepHz : length));
  } else {
    fftSize = preset.fftSize;
    length = fftSize;
  }
  const window = new Float64Array(length);
  for (let n = 0; n < length; n++) {
    if (preset.window === 'hann') window[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / (length - 1));
    else {
      // Praat's Gaussian over the physical window (x in −½…½): exp(−48 x²), less its value at the edges, exp(−12).
      const x = (n + 0.5) / length - 0.5;
      const edge = Math.exp(-12);
      window[n] = (Math.exp(-48 * x * x) - edge) / (1 - edge);
    }
  }
  return { window, fftSize };
}

/** One colour per level 0…255 (0 = background, 255 = loudest). */
export function palette(kind: SpectrogramPreset['colours']): Uint8ClampedArray {
  const out = new Uint8ClampedArray(256 * 3);
  const stops: Array<[number, number, number, number]> =
    kind === 'gray'
      ? [
          [0, 255, 255, 255],
          [1, 0, 0, 0],
        ]
      : [
          [0, 0, 0, 4],
          [0.25, 60, 15, 110],
          [0.5, 180, 50, 90],
          [0.75, 245, 130, 30],
          [1, 252, 255, 164],
        ];
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    let k = 0;
    while (k < stops.length - 2 && t > (stops[k + 1] as [number, number, number, number])[0]) k++;
    const [t0, r0, g0, b0] = stops[k] as [number, number, number, number];
    const [t1, r1, g1, b1] = stops[k + 1] as [number, number, number, number];
    const f = t1 > t0 ? (t - t0) / (t1 - t0) : 0;
    out[i * 3] = r0 + (r1 - r0) * f;
    out[i * 3 + 1] = g0 + (g1 - g0) * f;
    out[i * 3 + 2] = b0 + (b1 - b0) * f;
  }
  return out;
}

/**
 * Short-time spectra of the visible window, one analysis frame centred on each column, mapped to rows on the
 * preset's frequency scale and painted with its dynamic range. Levels are dB re full scale: a full-scale sine reads
 * 0 dB at its frequency.
 */
export function computeSpectrogram(job: SpectrogramJob): SpectrogramImage {
  const { samples, sampleRate, preset } = job;
  const width = Math.max(1, Math.floor(job.width));
  const height = Math.max(1, Math.floor(job.height));
  const { window, fftSize } = analysisShape(preset, sampleRate);
  const fft = new FFT(fftSize);
  const bins = Math.floor(fftSize / 2) + 1;
  const nyquist = sampleRate / 2;
  const maxHz = Math.min(preset.maxHz ?? nyquist, nyquist);
  const minHz = preset.scale === 'log' ? Math.max(preset.minHz, sampleRate / fftSize) : preset.minHz;
  let windowSum = 0;
  for (const w of window) windowSum += w;
  // A sine of amplitude 1 gives |X| = sum(w)/2 at its bin.
  const norm = (windowSum / 2) ** 2;

  // Each row's band of bins [lo, hi] and its pre-emphasis.
  const rowLo = new Int32Array(height);
  const rowHi = new Int32Array(height);
  const rowGain = new Float64Array(height);
  const hzPerBin = sampleRate / fftSize;
  const rowHz = (edge: number) => {
    const t = edge / height; // 0 at the bottom
    return preset.scale === 'log' ? minHz * (maxHz / minHz) ** t : minHz + (maxHz - minHz) * t;
  };
  for (let r = 0; r < height; r++) {
    const fromBottom = height - 1 - r;
    const f0 = rowHz(fromBottom);
    const f1 = rowHz(fromBottom + 1);
    const lo = Math.min(bins - 1, Math.max(0, Math.round(f0 / hzPerBin)));
    const hi = Math.min(bins - 1, Math.max(lo, Math.round(f1 / hzPerBin) - 1));
    rowLo[r] = lo;
    rowHi[r] = hi;
    const centre = Math.max((f0 + f1) / 2, 1);
    rowGain[r] = preset.preEmphasisDbPerOct ? preset.preEmphasisDbPerOct * Math.log2(centre / 1000) : 0;
  }

  const levels = new Float32Array(width * height);
  const inRe = new Float64Array(fftSize);
  const inIm = new Float64Array(fftSize);
  const outRe = new Float64Array(fftSize);
  const outIm = new Float64Array(fftSize);
  const power = new Float64Array(bins);
  const span = job.viewEnd - job.viewStart;
  let top = Number.NEGATIVE_INFINITY;
  for (let x = 0; x < width; x++) {
    const t = job.viewStart + ((x + 0.5) / width) * span;
    const centre = job.columnCentres ? (job.columnCentres[x] ?? 0) : Math.round((t - job.samplesStart) * sampleRate);
    const first = centre - Math.floor(window.length / 2);
    inRe.fill(0);
    let any = false;
    for (let n = 0; n < window.length; n++) {
      const i = first + n;
      if (i < 0 || i >= samples.length) continue;
      inRe[n] = (samples[i] as number) * (window[n] as number);
      any = true;
    }
    if (any) {
      inIm.fill(0);
      fft.transform(inRe, inIm, outRe, outIm);
      for (let k = 0; k < bins; k++) power[k] = ((outRe[k] as number) ** 2 + (outIm[k] as number) ** 2) / norm;
    } else power.fill(0);
    for (let r = 0; r < height; r++) {
      let p = 0;
      for (let k = rowLo[r] as number; k <= (rowHi[r] as number); k++) if ((power[k] as number) > p) p = power[k] as number;
      const db = 10 * Math.log10(p + 1e-20) + (rowGain[r] as number);
      levels[r * width + x] = db;
      if (db > top) top = db;
    }
  }

  const topDb = preset.reference === 'full-scale' ? 0 : Number.isFinite(top) ? top : 0;
  const colours = palette(preset.colours);
  const pixels = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const level = Math.round(255 * Math.min(1, Math.max(0, 1 - (topDb - (levels[i] as number)) / preset.rangeDb)));
    pixels[i * 4] = colours[level * 3] as number;
    pixels[i * 4 + 1] = colours[level * 3 + 1] as number;
    pixels[i * 4 + 2] = colours[level * 3 + 2] as number;
    pixels[i * 4 + 3] = 255;
  }
  return { width, height, pixels, minHz, maxHz, fftSize, topDb };
}

/** Little-endian Float32 samples from base64 (what `audio.samples` sends). */
export function decodeSamples(base64: string): Float32Array {
  // Native base64 decoding where the engine has it (Chromium 140+): several times faster than atob and a loop.
  const native = (Uint8Array as unknown as { fromBase64?: (text: string) => Uint8Array }).fromBase64;
  if (native) {
    const bytes = native(base64);
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2);
  }
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Float32Array(bytes.buffer, 0, bytes.length >> 2);
}
