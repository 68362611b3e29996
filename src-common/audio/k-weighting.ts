/**
 * The K-weighting pre-filter of ITU-R BS.1770-4: a high shelf (+4 dB above ~1.7 kHz, the head's effect) followed by
 * a high pass (~38 Hz, the RLB curve). The standard gives coefficients for 48 kHz only; these are the analogue
 * prototypes those coefficients come from, mapped to any rate by the bilinear transform, so 44.1 kHz or 96 kHz files
 * are weighted the same way (at 48 kHz they reproduce the published coefficients to ~1e-9).
 */
export interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

const SHELF = { f0: 1681.974450955533, gainDb: 3.999843853973347, q: 0.7071752369554196 };
const HIGH_PASS = { f0: 38.13547087602444, q: 0.5003270373238773 };

export function kWeighting(sampleRate: number): [Biquad, Biquad] {
  let k = Math.tan((Math.PI * SHELF.f0) / sampleRate);
  const vh = 10 ** (SHELF.gainDb / 20);
  const vb = vh ** 0.4996667741545416;
  let a0 = 1 + k / SHELF.q + k * k;
  const shelf: Biquad = {
    b0: (vh + (vb * k) / SHELF.q + k * k) / a0,
    b1: (2 * (k * k - vh)) / a0,
    b2: (vh - (vb * k) / SHELF.q + k * k) / a0,
    a1: (2 * (k * k - 1)) / a0,
    a2: (1 - k / SHELF.q + k * k) / a0,
  };
  k = Math.tan((Math.PI * HIGH_PASS.f0) / sampleRate);
  a0 = 1 + k / HIGH_PASS.q + k * k;
  const highPass: Biquad = { b0: 1, b1: -2, b2: 1, a1: (2 * (k * k - 1)) / a0, a2: (1 - k / HIGH_PASS.q + k * k) / a0 };
  return [shelf, highPass];
}

/** A biquad with its state, run in double precision (transposed direct form II). */
export class BiquadFilter {
  private s1 = 0;
  private s2 = 0;
  constructor(private readonly c: Biquad) {}

  /** Filters `input` into `output` (may be the same array). */
  process(input: ArrayLike<number>, output: Float64Array): void {
    const { b0, b1, b2, a1, a2 } = this.c;
    let { s1, s2 } = this;
    for (let i = 0; i < input.length; i++) {
      const x = input[i] as number;
      const y = b0 * x + s1;
      s1 = b1 * x - a1 * y + s2;
      s2 = b2 * x - a2 * y;
      output[i] = y;
    }
    this.s1 = s1;
    this.s2 = s2;
  }
}
