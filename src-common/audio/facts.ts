import { LoudnessMeter } from './loudness';
import { TruePeakMeter } from './true-peak';

/**
 * Measured facts about a stretch of audio, from its native samples: what a sound designer checks before trusting a
 * file (levels, loudness, clipping, DC). Streamed block by block, so a two-hour file needs no more memory than ten
 * seconds of it.
 */

/** A clipped-sample run: at least CLIP_MIN_RUN consecutive samples of one channel at |x| ≥ CLIP_LEVEL of full scale. */
export const CLIP_LEVEL = 0.999;
export const CLIP_MIN_RUN = 2;
/** Runs listed with positions; the count covers all of them. */
export const MAX_LISTED_RUNS = 1000;

export interface ClipRun {
  channel: number;
  /** First sample of the run, in frames from the start of the file. */
  startFrame: number;
  samples: number;
}

export interface ChannelFacts {
  peakDbfs: number | null;
  truePeakDbtp: number | null;
  rmsDbfs: number | null;
  dcOffset: number;
  clippedRuns: number;
}

export interface AudioFacts {
  startFrame: number;
  frames: number;
  sampleRate: number;
  channels: number;
  /** Levels in dB are null where the signal is digital silence (−∞). */
  peakDbfs: number | null;
  truePeakDbtp: number | null;
  rmsDbfs: number | null;
  /** Integrated loudness; null when nothing passes the −70 LUFS gate or the region is shorter than 400 ms. */
  lufs: number | null;
  /** The channel DC offset largest in magnitude (as ffmpeg's astats reports it overall). */
  dcOffset: number;
  clippedRuns: number;
  clipRuns: ClipRun[];
  perChannel: ChannelFacts[];
}

export const toDb = (amplitude: number): number | null => (amplitude > 0 ? 20 * Math.log10(amplitude) : null);

export class FactsMeter {
  private readonly peak: number[];
  private readonly sumSquares: number[];
  private readonly sum: number[];
  private readonly runLength: number[];
  private readonly runCount: number[];
  private readonly runs: ClipRun[] = [];
  private readonly truePeak: TruePeakMeter;
  private readonly loudness: LoudnessMeter;
  private frames = 0;

  constructor(
    private readonly sampleRate: number,
    private readonly channels: number,
    private readonly startFrame = 0,
  ) {
    this.peak = Array(channels).fill(0);
    this.sumSquares = Array(channels).fill(0);
    this.sum = Array(channels).fill(0);
    this.runLength = Array(channels).fill(0);
    this.runCount = Array(channels).fill(0);
    this.truePeak = new TruePeakMeter(channels);
    this.loudness = new LoudnessMeter(sampleRate, channels);
  }

  push(block: Float32Array[]): void {
    const n = block[0]?.length ?? 0;
    block.forEach((x, c) => {
      let peak = this.peak[c] as number;
      let squares = 0;
      let sum = 0;
      let run = this.runLength[c] as number;
      for (let i = 0; i < n; i++) {
        const v = x[i] as number;
        const a = v < 0 ? -v : v;
        if (a > peak) peak = a;
        squares += v * v;
        sum += v;
        if (a >= CLIP_LEVEL) run++;
        else if (run > 0) {
          this.endRun(c, this.frames + i, run);
          run = 0;
        }
      }
      this.peak[c] = peak;
      this.sumSquares[c] = (this.sumSquares[c] as number) + squares;
      this.sum[c] = (this.sum[c] as number) + sum;
      this.runLength[c] = run;
    });
    this.truePeak.push(block);
    this.loudness.push(block);
    this.frames += n;
  }

  private endRun(channel: number, endFrame: number, length: number): void {
    if (length < CLIP_MIN_RUN) return;
    this.runCount[channel] = (this.runCount[channel] as number) + 1;
    if (this.runs.length < MAX_LISTED_RUNS) this.runs.push({ channel, startFrame: this.startFrame + endFrame - length, samples: length });
  }

  result(): AudioFacts {
    this.runLength.forEach((run, c) => {
      this.endRun(c, this.frames, run);
    });
    this.runLength.fill(0);
    this.truePeak.finish();
    const n = Math.max(this.frames, 1);
    const perChannel: ChannelFacts[] = this.peak.map((peak, c) => ({
      peakDbfs: toDb(peak),
      truePeakDbtp: toDb(this.truePeak.peaks[c] as number),
      rmsDbfs: toDb(Math.sqrt((this.sumSquares[c] as number) / n)),
      dcOffset: (this.sum[c] as number) / n,
      clippedRuns: this.runCount[c] as number,
    }));
    const dc = perChannel.map((c) => c.dcOffset).reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a), 0);
    return {
      startFrame: this.startFrame,
      frames: this.frames,
      sampleRate: this.sampleRate,
      channels: this.channels,
      peakDbfs: toDb(Math.max(0, ...this.peak)),
      truePeakDbtp: toDb(Math.max(0, ...this.truePeak.peaks)),
      rmsDbfs: toDb(Math.sqrt(this.sumSquares.reduce((a, b) => a + b, 0) / (n * this.channels))),
      lufs: this.loudness.integrated(),
      dcOffset: dc,
      clippedRuns: this.runCount.reduce((a, b) => a + b, 0),
      clipRuns: [...this.runs].sort((a, b) => a.startFrame - b.startFrame || a.channel - b.channel),
      perChannel,
    };
  }
}
