/** How a spectrogram is computed and painted. Pure data: shared by the panel and its worker. */
export interface SpectrogramPreset {
  id: 'praat' | 'sound-design';
  label: string;
  /** Frequency axis. */
  scale: 'linear' | 'log';
  minHz: number;
  /** null: up to the Nyquist frequency. */
  maxHz: number | null;
  /** Dynamic range in dB: what lies this far below the reference is painted as the background. */
  rangeDb: number;
  /** 'view-max': the loudest point in view is the top of the range (Praat's autoscaling); 'full-scale': 0 dBFS is. */
  reference: 'view-max' | 'full-scale';
  /** dB per octave added above 1 kHz (and taken away below), as Praat's "pre-emphasis". */
  preEmphasisDbPerOct: number;
  window: 'gaussian' | 'hann';
  /** Effective analysis window in seconds (Praat's "window length"); null: `fftSize` samples. */
  windowSeconds: number | null;
  /** FFT size, or for a window given in seconds, the frequency step in Hz the zero-padded FFT should reach. */
  fftSize: number;
  frequencyStepHz: number | null;
  colours: 'gray' | 'heat';
}

export const PRESETS: Record<SpectrogramPreset['id'], SpectrogramPreset> = {
  praat: {
    id: 'praat',
    label: 'Praat-like (0–5 kHz, 50 dB, +6 dB/oct)',
    scale: 'linear',
    minHz: 0,
    maxHz: 5000,
    rangeDb: 50,
    reference: 'view-max',
    preEmphasisDbPerOct: 6,
    window: 'gaussian',
    windowSeconds: 0.005,
    fftSize: 0,
    frequencyStepHz: 20,
    colours: 'gray',
  },
  'sound-design': {
    id: 'sound-design',
    label: 'Sound design (log, full band, 100 dB)',
    scale: 'log',
    minHz: 20,
    maxHz: null,
    rangeDb: 100,
    reference: 'full-scale',
    preEmphasisDbPerOct: 0,
    window: 'hann',
    windowSeconds: null,
    fftSize: 2048,
    frequencyStepHz: null,
    colours: 'heat',
  },
};

export type PresetId = SpectrogramPreset['id'];
