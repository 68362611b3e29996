/**
 * Complex FFT for any size, by mixed-radix decimation in time. Whisper's n_fft is 400 (= 4·4·5·5), not a power of two,
 * so a radix-2 FFT would not do; sizes with large prime factors still work, only more slowly.
 *
 * Planned once per size: the input order the stages need (a mixed-radix digit reversal) and each stage's radix,
 * stride and span, so a transform is one permuted copy and flat loops of butterflies — no recursion, no modulo.
 * Radix 2, 4 and 5 butterflies are written out; other radices run a small DFT over their roots of unity.
 */
export class FFT {
  readonly size: number;
  private readonly factors: number[];
  private readonly twiddleRe: Float64Array;
  private readonly twiddleIm: Float64Array;
  /** out[i] = in[order[i]] before the first stage. */
  private readonly order: Int32Array;
  /** The stages, the deepest (shortest sub-transforms) first. */
  private readonly stages: { radix: number; stride: number; span: number }[];
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
    this.order = new Int32Array(size);
    this.stages = [];
    let stride = 1;
    for (const radix of this.factors) {
      this.stages.push({ radix, stride, span: size / (stride * radix) });
      stride *= radix;
    }
    this.stages.reverse();
    this.planOrder(0, 0, 1, 0);
    const largest = Math.max(1, ...this.factors);
    this.scratchRe = new Float64Array(largest);
    this.scratchIm = new Float64Array(largest);
  }

  /** Where each output slot's input comes from: decimation in time splits by input index modulo each radix. */
  private planOrder(inOffset: number, outOffset: number, stride: number, stage: number): void {
    const radix = this.factors[stage] ?? 1;
    const span = this.size / (stride * radix);
    for (let q = 0; q < radix; q++) {
      if (span === 1) this.order[outOffset + q] = inOffset + q * stride;
      else this.planOrder(inOffset + q * stride, outOffset + q * span, stride * radix, stage + 1);
    }
  }

  /** out = DFT(in): X[k] = Σ x[n]·e^{−2πikn/N}. Input and output arrays must not overlap. */
  transform(inRe: Float64Array, inIm: Float64Array, outRe: Float64Array, outIm: Float64Array): void {
    const { order, size } = this;
    for (let i = 0; i < size; i++) {
      const from = order[i] as number;
      outRe[i] = inRe[from] as number;
      outIm[i] = inIm[from] as number;
    }
    for (const { radix, stride, span } of this.stages) {
      const block = radix * span;
      for (let offset = 0; offset < size; offset += block) {
        if (radix === 4) this.radix4(outRe, outIm, offset, stride, span);
        else if (radix === 5) this.radix5(outRe, outIm, offset, stride, span);
        else if (radix === 2) this.radix2(outRe, outIm, offset, stride, span);
        else if (radix > 1) this.radixN(outRe, outIm, offset, stride, span, radix);
      }
    }
  }

  /**
   * Combines `radix` transforms of length `span` (at offset + q·span) into one of length radix·span. Input q of
   * output u + q1·span is turned by w^(stride·u·q) (always < N: no modulo), then a radix-point DFT mixes them.
   */
  private radix2(re: Float64Array, im: Float64Array, offset: number, stride: number, span: number): void {
    const { twiddleRe, twiddleIm } = this;
    for (let u = 0; u < span; u++) {
      const i0 = offset + u;
      const i1 = i0 + span;
      const w = stride * u;
      const wr = twiddleRe[w] as number;
      const wi = twiddleIm[w] as number;
      const xr = re[i1] as number;
      const xi = im[i1] as number;
      const yr = xr * wr - xi * wi;
      const yi = xr * wi + xi * wr;
      const ar = re[i0] as number;
      const ai = im[i0] as number;
      re[i0] = ar + yr;
      im[i0] = ai + yi;
      re[i1] = ar - yr;
      im[i1] = ai - yi;
    }
  }

  private radix4(re: Float64Array, im: Float64Array, offset: number, stride: number, span: number): void {
    const { twiddleRe, twiddleIm } = this;
    for (let u = 0; u < span; u++) {
      const i0 = offset + u;
      const i1 = i0 + span;
      const i2 = i1 + span;
      const i3 = i2 + span;
      const w1 = stride * u;
      const w2 = 2 * w1;
      const w3 = 3 * w1;
      const x0r = re[i0] as number;
      const x0i = im[i0] as number;
      let xr = re[i1] as number;
      let xi = im[i1] as number;
      let wr = twiddleRe[w1] as number;
      let wi = twiddleIm[w1] as number;
      const x1r = xr * wr - xi * wi;
      const x1i = xr * wi + xi * wr;
      xr = re[i2] as number;
      xi = im[i2] as number;
      wr = twiddleRe[w2] as number;
      wi = twiddleIm[w2] as number;
      const x2r = xr * wr - xi * wi;
      const x2i = xr * wi + xi * wr;
      xr = re[i3] as number;
      xi = im[i3] as number;
      wr = twiddleRe[w3] as number;
      wi = twiddleIm[w3] as number;
      const x3r = xr * wr - xi * wi;
      const x3i = xr * wi + xi * wr;
      // 4-point DFT (forward: the roots are 1, −i, −1, i).
      const s02r = x0r + x2r;
      const s02i = x0i + x2i;
      const d02r = x0r - x2r;
      const d02i = x0i - x2i;
      const s13r = x1r + x3r;
      const s13i = x1i + x3i;
      const d13r = x1r - x3r;
      const d13i = x1i - x3i;
      re[i0] = s02r + s13r;
      im[i0] = s02i + s13i;
      re[i1] = d02r + d13i;
      im[i1] = d02i - d13r;
      re[i2] = s02r - s13r;
      im[i2] = s02i - s13i;
      re[i3] = d02r - d13i;
      im[i3] = d02i + d13r;
    }
  }

  /** 5-point DFT with its symmetric pairs: X1/X4 and X2/X3 share their real parts (cos) and mirror the sine terms. */
  private radix5(re: Float64Array, im: Float64Array, offset: number, stride: number, span: number): void {
    const { twiddleRe, twiddleIm } = this;
    const c1 = Math.cos((2 * Math.PI) / 5);
    const c2 = Math.cos((4 * Math.PI) / 5);
    const s1 = Math.sin((2 * Math.PI) / 5);
    const s2 = Math.sin((4 * Math.PI) / 5);
    for (let u = 0; u < span; u++) {
      const i0 = offset + u;
      const i1 = i0 + span;
      const i2 = i1 + span;
      const i3 = i2 + span;
      const i4 = i3 + span;
      const w1 = stride * u;
      const y0r = re[i0] as number;
      const y0i = im[i0] as number;
      let xr = re[i1] as number;
      let xi = im[i1] as number;
      let wr = twiddleRe[w1] as number;
      let wi = twiddleIm[w1] as number;
      const y1r = xr * wr - xi * wi;
      const y1i = xr * wi + xi * wr;
      xr = re[i2] as number;
      xi = im[i2] as number;
      wr = twiddleRe[2 * w1] as number;
      wi = twiddleIm[2 * w1] as number;
      const y2r = xr * wr - xi * wi;
      const y2i = xr * wi + xi * wr;
      xr = re[i3] as number;
      xi = im[i3] as number;
      wr = twiddleRe[3 * w1] as number;
      wi = twiddleIm[3 * w1] as number;
      const y3r = xr * wr - xi * wi;
      const y3i = xr * wi + xi * wr;
      xr = re[i4] as number;
      xi = im[i4] as number;
      wr = twiddleRe[4 * w1] as number;
      wi = twiddleIm[4 * w1] as number;
      const y4r = xr * wr - xi * wi;
      const y4i = xr * wi + xi * wr;
      const t1r = y1r + y4r;
      const t1i = y1i + y4i;
      const t2r = y2r + y3r;
      const t2i = y2i + y3i;
      const t3r = y1r - y4r;
      const t3i = y1i - y4i;
      const t4r = y2r - y3r;
      const t4i = y2i - y3i;
      const a1r = y0r + c1 * t1r + c2 * t2r;
      const a1i = y0i + c1 * t1i + c2 * t2i;
      const a2r = y0r + c2 * t1r + c1 * t2r;
      const a2i = y0i + c2 * t1i + c1 * t2i;
      const b1r = s1 * t3r + s2 * t4r;
      const b1i = s1 * t3i + s2 * t4i;
      const b2r = s2 * t3r - s1 * t4r;
      const b2i = s2 * t3i - s1 * t4i;
      re[i0] = y0r + t1r + t2r;
      im[i0] = y0i + t1i + t2i;
      // X1 = a1 − i·b1, X4 = a1 + i·b1; X2 = a2 − i·b2, X3 = a2 + i·b2
      re[i1] = a1r + b1i;
      im[i1] = a1i - b1r;
      re[i4] = a1r - b1i;
      im[i4] = a1i + b1r;
      re[i2] = a2r + b2i;
      im[i2] = a2i - b2r;
      re[i3] = a2r - b2i;
      im[i3] = a2i + b2r;
    }
  }

  private radixN(re: Float64Array, im: Float64Array, offset: number, stride: number, span: number, radix: number): void {
    const { twiddleRe, twiddleIm, scratchRe, scratchIm, size } = this;
    const rootStep = size / radix; // w^(N/radix) is the radix-th root of unity
    for (let u = 0; u < span; u++) {
      for (let q = 0; q < radix; q++) {
        const at = offset + u + q * span;
        const w = stride * u * q;
        const xr = re[at] as number;
        const xi = im[at] as number;
        const wr = twiddleRe[w] as number;
        const wi = twiddleIm[w] as number;
        scratchRe[q] = xr * wr - xi * wi;
        scratchIm[q] = xr * wi + xi * wr;
      }
      for (let q1 = 0; q1 < radix; q1++) {
        let sumRe = scratchRe[0] as number;
        let sumIm = scratchIm[0] as number;
        let root = 0;
        const step = rootStep * q1;
        for (let q = 1; q < radix; q++) {
          root += step;
          if (root >= size) root -= size;
          const wr = twiddleRe[root] as number;
          const wi = twiddleIm[root] as number;
          const xr = scratchRe[q] as number;
          const xi = scratchIm[q] as number;
          sumRe += xr * wr - xi * wi;
          sumIm += xr * wi + xi * wr;
        }
        const at = offset + u + q1 * span;
        re[at] = sumRe;
        im[at] = sumIm;
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
