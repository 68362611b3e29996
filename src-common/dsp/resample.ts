import { besselI0 } from './kaiser';

/**
 * Band-limited resampling by windowed-sinc interpolation (Kaiser window), as a polyphase filter: every output sample
 * is a weighted sum of the input around its position, with a low-pass at the lower of the two Nyquist rates so that
 * nothing above it folds back (linear interpolation would alias a 10 kHz hiss from a 48 kHz file into a 6 kHz tone).
 */
export interface ResampleOptions {
  /** Zero crossings of the sinc on each side: longer filters are sharper and slower. */
  zeroCrossings?: number;
  /** Cut-off as a fraction of the lower Nyquist rate, leaving room for the transition band. */
  rolloff?: number;
  /** Kaiser window β: ~8.6 gives about 80 dB of stop-band attenuation. */
  beta?: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

export function resample(input: Float32Array, fromRate: number, toRate: number, options: ResampleOptions = {}): Float32Array {
  if (!(fromRate > 0 && toRate > 0) || !Number.isInteger(fromRate) || !Number.isInteger(toRate)) {
    throw new RangeError(`Sample rates must be positive integers (got ${fromRate} → ${toRate})`);
  }
  if (fromRate === toRate) return input.slice();
  const { zeroCrossings = 24, rolloff = 0.945, beta = 8.6 } = options;
  const divisor = gcd(fromRate, toRate);
  const up = toRate / divisor; // output samples advance the input by down/up samples each
  const down = fromRate / divisor;
  const cutoff = Math.min(1, toRate / fromRate) * rolloff; // in cycles per input sample × 2
  const halfWidth = Math.ceil(zeroCrossings / cutoff); // in input samples
  const taps = 2 * halfWidth;
  const norm = besselI0(beta);

  // One filter per output phase (the fractional input position up·k mod up): up × taps weights.
  const table = new Float32Array(up * taps);
  for (let phase = 0; phase < up; phase++) {
    const fraction = phase / up;
    for (let j = 0; j < taps; j++) {
      const distance = j - halfWidth + 1 - fraction; // input index offset minus the exact position
      const x = distance / halfWidth;
      const window = Math.abs(x) >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - x * x)) / norm;
      const arg = Math.PI * cutoff * distance;
      const sinc = arg === 0 ? 1 : Math.sin(arg) / arg;
      table[phase * taps + j] = cutoff * sinc * window;
    }
  }

  const outLength = Math.ceil((input.length * up) / down);
  const output = new Float32Array(outLength);
  for (let n = 0; n < outLength; n++) {
    const position = n * down; // in units of 1/up input samples
    const base = Math.floor(position / up);
    const phase = position - base * up;
    const first = base - halfWidth + 1;
    let sum = 0;
    const row = phase * taps;
    const from = Math.max(0, -first);
    const to = Math.min(taps, input.length - first);
    for (let j = from; j < to; j++) sum += (input[first + j] ?? 0) * (table[row + j] ?? 0);
    output[n] = sum;
  }
  return output;
}
