import type { PeaksResult } from '../../src-common/audio/schemas';

/** Most base values (all channels): a finer base than this would cost more memory than it shows. */
const MAX_BASE_PEAKS = 3 << 20;
/**
 * The base resolution tried first: 4 frames per value, finer than the server's finest level (256 frames per peak,
 * each level 4× coarser; src-common/audio/peaks.ts). Values that fine come from the samples of a short window.
 */
const FINEST_BASE_SPP = 4;
/** The server's finest peaks level. */
export const SERVER_FINEST_SPP = 256;
const NOT_FILLED = 255;

/**
 * The whole file's min/max peaks at one uniform resolution (the finest the server keeps, or coarser for very long
 * files), filled in as windows arrive: first a coarse pass over the whole file, then finer levels for what the user
 * looks at. wavesurfer draws these arrays by reference (its buffer keeps the very Float32Arrays we pass), so a fill
 * followed by a re-render shows more detail without reloading anything — and the page never decodes the file.
 */
export class PeakTrack {
  readonly sampleRate: number;
  readonly frames: number;
  readonly channels: number;
  /** Frames per base value. */
  readonly spp: number;
  readonly length: number;
  /** Per channel: max and min. */
  readonly max: Float32Array[];
  readonly min: Float32Array[];
  /** Envelope of all channels together (the same arrays as channel 0's for mono). */
  readonly maxAll: Float32Array;
  readonly minAll: Float32Array;
  /** log4(spp / this.spp) of the level each base value came from; NOT_FILLED before any. */
  private readonly level: Uint8Array;

  constructor(sampleRate: number, frames: number, channels: number) {
    this.sampleRate = sampleRate;
    this.frames = frames;
    this.channels = channels;
    let spp = FINEST_BASE_SPP;
    while (Math.ceil(frames / spp) * Math.max(channels, 1) > MAX_BASE_PEAKS) spp *= 4;
    this.spp = spp;
    this.length = Math.max(1, Math.ceil(frames / spp));
    this.max = Array.from({ length: channels }, () => new Float32Array(this.length));
    this.min = Array.from({ length: channels }, () => new Float32Array(this.length));
    this.maxAll = channels === 1 ? (this.max[0] as Float32Array) : new Float32Array(this.length);
    this.minAll = channels === 1 ? (this.min[0] as Float32Array) : new Float32Array(this.length);
    this.level = new Uint8Array(this.length).fill(NOT_FILLED);
  }

  get duration(): number {
    return this.frames / this.sampleRate;
  }

  /** The arrays wavesurfer draws: one envelope, or max/min per channel (lanes) when channels are split. */
  arrays(split: boolean): Float32Array[] {
    if (!split || this.channels === 1) return [this.maxAll, this.minAll];
    const lanes: Float32Array[] = [];
    for (let c = 0; c < this.channels; c++) lanes.push(this.max[c] as Float32Array, this.min[c] as Float32Array);
    return lanes;
  }

  private levelOf(spp: number): number {
    return Math.max(0, Math.round(Math.log(Math.max(spp, this.spp) / this.spp) / Math.log(4)));
  }

  /** Whether every base value in [start, end) seconds is at least as fine as `spp` frames per peak. */
  covered(start: number, end: number, spp: number): boolean {
    const wanted = this.levelOf(spp);
    const [from, to] = this.indexRange(start, end);
    for (let i = from; i < to; i++) if ((this.level[i] as number) > wanted) return false;
    return true;
  }

  private indexRange(start: number, end: number): [number, number] {
    const from = Math.max(0, Math.floor((start * this.sampleRate) / this.spp));
    const to = Math.min(this.length, Math.ceil((end * this.sampleRate) / this.spp));
    return [from, to];
  }

  /** Writes a window the server sent; returns whether anything changed. Coarser data never overwrites finer. */
  fill(result: PeaksResult): boolean {
    const level = this.levelOf(result.samplesPerPeak);
    const firstFrame = Math.round(result.start * this.sampleRate);
    const ratio = result.samplesPerPeak / this.spp;
    const count = result.channels[0]?.max.length ?? 0;
    let changed = false;
    for (let k = 0; k < count; k++) {
      const from = Math.floor((firstFrame + k * result.samplesPerPeak) / this.spp);
      const to = Math.min(this.length, from + Math.max(1, Math.round(ratio)));
      for (let i = from; i < to; i++) {
        if ((this.level[i] as number) < level) continue;
        this.level[i] = level;
        changed = true;
        let hi = -1;
        let lo = 1;
        for (let c = 0; c < this.channels; c++) {
          const source = result.channels[c] ?? result.channels[0];
          const mx = clamp(source?.max[k] ?? 0);
          const mn = clamp(source?.min[k] ?? 0);
          (this.max[c] as Float32Array)[i] = mx;
          (this.min[c] as Float32Array)[i] = mn;
          if (mx > hi) hi = mx;
          if (mn < lo) lo = mn;
        }
        if (this.channels > 1) {
          this.maxAll[i] = hi;
          this.minAll[i] = lo;
        }
      }
    }
    return changed;
  }

  /** Computes base values straight from samples (per channel, starting at `firstFrame`): the finest level. */
  fillFromSamples(channels: Float32Array[], firstFrame: number): boolean {
    const frames = channels[0]?.length ?? 0;
    const from = Math.ceil(firstFrame / this.spp);
    const to = Math.min(this.length, Math.floor((firstFrame + frames) / this.spp));
    let changed = false;
    for (let i = from; i < to; i++) {
      if (this.level[i] === 0) continue;
      this.level[i] = 0;
      changed = true;
      const a = i * this.spp - firstFrame;
      const b = Math.min(frames, a + this.spp);
      let hi = -1;
      let lo = 1;
      for (let c = 0; c < this.channels; c++) {
        const data = channels[c] ?? channels[0];
        let mx = -1;
        let mn = 1;
        if (data)
          for (let k = a; k < b; k++) {
            const v = data[k] as number;
            if (v > mx) mx = v;
            if (v < mn) mn = v;
          }
        (this.max[c] as Float32Array)[i] = clamp(mx);
        (this.min[c] as Float32Array)[i] = clamp(mn);
        if (mx > hi) hi = mx;
        if (mn < lo) lo = mn;
      }
      if (this.channels > 1) {
        this.maxAll[i] = clamp(hi);
        this.minAll[i] = clamp(lo);
      }
    }
    return changed;
  }
}

const clamp = (v: number) => Math.min(1, Math.max(-1, v));

type Kind = 'max' | 'min';

/**
 * A wavesurfer `renderFunction` that draws min/max envelopes: each array is a max or a min series, drawn from the
 * centre line out to its value, one column per device pixel (the extreme of the values that column spans).
 */
export function envelopeRenderer(kinds: Kind[]): (peaks: Array<Float32Array | number[]>, ctx: CanvasRenderingContext2D) => void {
  return (peaks, ctx) => {
    const { width, height } = ctx.canvas;
    const half = height / 2;
    ctx.beginPath();
    peaks.forEach((series, index) => {
      const kind = kinds[index] ?? 'max';
      const length = series.length;
      if (!length) return;
      for (let x = 0; x < width; x++) {
        const i0 = Math.floor((x * length) / width);
        const i1 = Math.max(i0 + 1, Math.floor(((x + 1) * length) / width));
        let v = kind === 'max' ? -1 : 1;
        for (let i = i0; i < i1 && i < length; i++) {
          const s = series[i] as number;
          if (kind === 'max' ? s > v : s < v) v = s;
        }
        const y = half - v * half;
        const top = Math.min(y, half);
        const h = Math.max(1, Math.abs(y - half));
        ctx.rect(x, top, 1, h);
      }
    });
    ctx.fill();
  };
}
