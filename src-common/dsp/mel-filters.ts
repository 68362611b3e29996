/**
 * Slaney-style mel filter bank (librosa's default, which Whisper's filters come from): the Slaney mel scale (linear
 * below 1 kHz, logarithmic above) and triangles scaled to unit area (2 / bandwidth).
 */
const F_SP = 200 / 3;
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP;
const LOG_STEP = Math.log(6.4) / 27;

export const hzToMel = (hz: number) => (hz >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOG_STEP : hz / F_SP);
export const melToHz = (mel: number) => (mel >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(LOG_STEP * (mel - MIN_LOG_MEL)) : F_SP * mel);

/** Filters as a row-major [nMels, nFft/2 + 1] matrix, spanning 0 Hz to sampleRate/2. */
export function melFilters(nMels: number, nFft: number, sampleRate: number): Float64Array {
  const bins = Math.floor(nFft / 2) + 1;
  const fftFreqs = Array.from({ length: bins }, (_, i) => (i * sampleRate) / 2 / (bins - 1));
  const top = hzToMel(sampleRate / 2);
  const points = Array.from({ length: nMels + 2 }, (_, i) => melToHz((i * top) / (nMels + 1)));
  const weights = new Float64Array(nMels * bins);
  for (let m = 0; m < nMels; m++) {
    const left = points[m] ?? 0;
    const centre = points[m + 1] ?? 0;
    const right = points[m + 2] ?? 0;
    const scale = 2 / (right - left);
    for (let b = 0; b < bins; b++) {
      const f = fftFreqs[b] ?? 0;
      const rising = (f - left) / (centre - left);
      const falling = (right - f) / (right - centre);
      weights[m * bins + b] = Math.max(0, Math.min(rising, falling)) * scale;
    }
  }
  return weights;
}
