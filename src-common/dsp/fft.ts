/**
 * Complex FFT for any size, by mixed-radix decimation in time. Whisper's n_fft is 400 (= 4·4·5·5), not a power of two,
 * so a radix-2 FFT would not do; sizes with large prime factors still work, only more slowly.
 */
export class FFT {
  readonly size: number;
  private readonly factors: number[];
  private readonly twiddleRe: Float64Array;
  private readonly twiddleIm: Float64Array;
  private readonly scratchRe: Float64Array;
  private readonly scratchIm: Float64Array;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`FFT size must be a positive integer, not ${size}`);
    this.size = size;
    this.factors = factorize(size);
    this.twiddleRe = new Float64Array(size);
    this.twiddleIm = new Float64Array(size);
    for (let k = 0; k < size; k++) {
      this.twiddleRe[k] = Math.cos((-2 * Math.PI * k) / size);
      this.twiddleIm[k] = Math.sin((-2 * Math.PI * k) / size);
    }
    const largest = Math.max(1, ...this.factors);
    this.scratchRe = new Float64Array(largest);
    this.scratchIm = new Float64Array(largest);
  }

  /** out = DFT(in): X[k] = Σ x[n]·e^{−2πikn/N}. Input and output arrays must not overlap. */
  transform(inRe: Float64Array, inIm: Float64Array, outRe: Float64Array, outIm: Float64Array): void {
    this.work(inRe, inIm, 0, outRe, outIm, 0, 1, 0);
  }

  private work(
    inRe: Float64Array,
    inIm: Float64Array,
    inOffset: number,
    outRe: Float64Array,
    outIm: Float64Array,
    outOffset: number,
    stride: number,
    stage: number,
  ): void {
    const radix = this.factors[stage] ?? 1;
    const span = this.size / (stride * radix); // length of each sub-transform
    if (span === 1) {
      for (let q = 0; q < radix; q++) {
        outRe[outOffset + q] = inRe[inOffset + q * stride] ?? 0;
        outIm[outOffset + q] = inIm[inOffset + q * stride] ?? 0;
      }
    } else {
      for (let q = 0; q < radix; q++) this.work(inRe, inIm, inOffset + q * stride, outRe, outIm, outOffset + q * span, stride * radix, stage + 1);
    }
    this.butterfly(outRe, outIm, outOffset, stride, span, radix);
  }

  /** Combines `radix` transforms of length `span` into one of length radix·span, twiddles folded into the DFT sum. */
  private butterfly(re: Float64Array, im: Float64Array, offset: number, stride: number, span: number, radix: number): void {
    const n = this.size;
    const { twiddleRe, twiddleIm, scratchRe, scratchIm } = this;
    for (let u = 0; u < span; u++) {
      for (let q = 0; q < radix; q++) {
        scratchRe[q] = re[offset + u + q * span] ?? 0;
        scratchIm[q] = im[offset + u + q * span] ?? 0;
      }
      for (let q1 = 0; q1 < radix; q1++) {
        const k = u + q1 * span;
        let sumRe = scratchRe[0] ?? 0;
        let sumIm = scratchIm[0] ?? 0;
        const step = (stride * k) % n;
        let index = 0;
        for (let q = 1; q < radix; q++) {
          index += step;
          if (index >= n) index -= n;
          const wr = twiddleRe[index] ?? 0;
          const wi = twiddleIm[index] ?? 0;
          const xr = scratchRe[q] ?? 0;
          const xi = scratchIm[q] ?? 0;
          sumRe += xr * wr - xi * wi;
          sumIm += xr * wi + xi * wr;
        }
        re[offset + k] = sumRe;
        im[offset + k] = sumIm;
      }
    }
  }
}

/** Radix-4 first (fewest stages), then 2, 3, 5 and any remaining primes. */
function factorize(size: number): number[] {
  const factors: number[] = [];
  let rest = size;
  for (const p of [4, 2, 3, 5]) {
    while (rest % p === 0) {
      factors.push(p);
      rest /= p;
    }
  }
  for (let p = 7; rest > 1; p += 2) {
    while (rest % p === 0) {
      factors.push(p);
      rest /= p;
    }
    if (p * p > rest && rest > 1) {
      factors.push(rest);
      rest = 1;
    }
  }
  return factors.length ? factors : [1];
}
