import { BiquadFilter, kWeighting } from './k-weighting';

/**
 * Integrated loudness per ITU-R BS.1770-4 / EBU R128, streamed: K-weighted mean squares are summed per 100 ms step,
 * and the 400 ms gating blocks (75 % overlap) are made of four consecutive steps. Gating: blocks below −70 LUFS are
 * dropped, then blocks more than 10 LU below the mean of the rest. A region shorter than one block has no loudness.
 */
const ABSOLUTE_GATE = -70;
const RELATIVE_GATE = -10;
const loudnessOf = (meanSquare: number) => -0.691 + 10 * Math.log10(meanSquare);

/** Channel weights G_i: 1 for front channels, 1.41 for surrounds, 0 for the LFE (5.1 in L R C LFE Ls Rs order). */
export function channelWeights(channels: number): number[] {
  if (channels === 6) return [1, 1, 1, 0, 1.41, 1.41];
  if (channels === 5) return [1, 1, 1, 1.41, 1.41];
  return Array(channels).fill(1);
}

export class LoudnessMeter {
  private readonly filters: [BiquadFilter, BiquadFilter][];
  private readonly weights: number[];
  private readonly steps: number[] = []; // weighted sum of squares of each complete 100 ms step
  private stepSum = 0;
  private stepFill = 0;
  private stepIndex = 0;
  private scratch = new Float64Array(0);

  constructor(
    private readonly sampleRate: number,
    channels: number,
  ) {
    this.filters = Array.from({ length: channels }, () => kWeighting(sampleRate).map((c) => new BiquadFilter(c)) as [BiquadFilter, BiquadFilter]);
    this.weights = channelWeights(channels);
  }

  /** Frames in step k: steps start at floor(k·fs/10), so rates not divisible by 10 still tile exactly. */
  private stepLength(k: number): number {
    return Math.floor(((k + 1) * this.sampleRate) / 10) - Math.floor((k * this.sampleRate) / 10);
  }

  push(block: Float32Array[]): void {
    const frames = block[0]?.length ?? 0;
    if (this.scratch.length < frames) this.scratch = new Float64Array(frames);
    const squares = new Float64Array(frames);
    block.forEach((channel, c) => {
      const [shelf, highPass] = this.filters[c] as [BiquadFilter, BiquadFilter];
      const y = this.scratch;
      shelf.process(channel, y);
      highPass.process(y.subarray(0, frames), y);
      const w = this.weights[c] as number;
      if (w !== 0) for (let i = 0; i < frames; i++) squares[i] = (squares[i] as number) + w * (y[i] as number) * (y[i] as number);
    });
    for (let i = 0; i < frames; ) {
      const length = this.stepLength(this.stepIndex);
      const take = Math.min(length - this.stepFill, frames - i);
      let sum = 0;
      for (let j = i; j < i + take; j++) sum += squares[j] as number;
      this.stepSum += sum;
      this.stepFill += take;
      i += take;
      if (this.stepFill === length) {
        this.steps.push(this.stepSum);
        this.stepSum = 0;
        this.stepFill = 0;
        this.stepIndex++;
      }
    }
  }

  /** Integrated loudness in LUFS, or null when no block passes the gates (silence, or shorter than 400 ms). */
  integrated(): number | null {
    const blocks: number[] = [];
    for (let k = 0; k + 4 <= this.steps.length; k++) {
      let sum = 0;
      let length = 0;
      for (let j = k; j < k + 4; j++) {
        sum += this.steps[j] as number;
        length += this.stepLength(j);
      }
      blocks.push(sum / length);
    }
    const loud = blocks.filter((z) => z > 0 && loudnessOf(z) > ABSOLUTE_GATE);
    if (loud.length === 0) return null;
    const relative = loudnessOf(loud.reduce((a, b) => a + b, 0) / loud.length) + RELATIVE_GATE;
    const gated = loud.filter((z) => loudnessOf(z) > relative);
    return gated.length === 0 ? null : loudnessOf(gated.reduce((a, b) => a + b, 0) / gated.length);
  }
}
