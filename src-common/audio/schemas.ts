import { z } from 'zod';

/** Shapes of the audio workspace's API (`audio.*` methods and the peaks progress event). Times are in seconds. */
const FileId = z.string().min(1).max(64);
const Seconds = z.number().finite().nonnegative();

/** Longest window `audio.samples` returns, and most samples (frames × channels) in one reply (~11 MB of base64). */
export const MAX_SAMPLES_SECONDS = 30;
export const MAX_SAMPLES_VALUES = 1 << 21;
/** Most peaks per channel in one `audio.peaks` reply. */
export const MAX_PEAKS_WIDTH = 8192;

export const AudioDescriptionSchema = z.object({
  /** Seconds; exact (from the header, or from a full decode for compressed formats). */
  duration: z.number().nonnegative(),
  frames: z.number().int().nonnegative(),
  sampleRate: z.number().int().positive(),
  channels: z.number().int().positive(),
  /** Bits per sample for lossless audio; null for lossy codecs. */
  bitDepth: z.number().int().positive().nullable(),
  codec: z.string(),
  container: z.string(),
  lossless: z.boolean(),
  /** Something the reader worked around (e.g. a truncated data chunk), for the UI to show; null when all is well. */
  warning: z.string().nullable(),
});
export type AudioDescription = z.infer<typeof AudioDescriptionSchema>;

export const PeaksParamsSchema = z
  .object({
    id: FileId,
    start: Seconds.default(0),
    /** Omitted: to the end of the file. */
    end: Seconds.optional(),
    /** How many peaks the window should be drawn with (e.g. its width in pixels); the level is chosen from it. */
    width: z.number().int().min(1).max(MAX_PEAKS_WIDTH).default(2048),
    /** Ask for one level exactly (256·4^k frames per peak) instead of letting `width` choose. */
    samplesPerPeak: z.number().int().positive().optional(),
  })
  .strict();

export const PeaksResultSchema = z.object({
  sampleRate: z.number().int().positive(),
  /** Frames each peak spans (256·4^k). */
  samplesPerPeak: z.number().int().positive(),
  /** Time of the first peak's first frame (the window start, rounded down to a peak boundary). */
  start: z.number().nonnegative(),
  /** Duration of the whole file, in seconds. */
  duration: z.number().nonnegative(),
  /** Per channel, min and max of each peak in −1…1 (wavesurfer's `peaks` wants exactly these). */
  channels: z.array(z.object({ min: z.array(z.number()), max: z.array(z.number()) })),
});
export type PeaksResult = z.infer<typeof PeaksResultSchema>;

export const SamplesParamsSchema = z
  .object({
    id: FileId,
    start: Seconds,
    end: Seconds,
    /** A channel index, 'mix' for the average of all channels, or 'all' (default) for every channel. */
    channel: z.union([z.number().int().nonnegative(), z.literal('mix'), z.literal('all')]).default('all'),
  })
  .strict();

export const SamplesResultSchema = z.object({
  sampleRate: z.number().int().positive(),
  /** Time of the first sample returned. */
  start: z.number().nonnegative(),
  frames: z.number().int().nonnegative(),
  /** One entry per channel returned: little-endian Float32 samples, base64-encoded. */
  channels: z.array(z.string()),
});
export type SamplesResult = z.infer<typeof SamplesResultSchema>;

export const FactsParamsSchema = z.object({ id: FileId, start: Seconds.optional(), end: Seconds.optional() }).strict();

const Db = z.number().nullable();
export const ChannelFactsSchema = z.object({ peakDbfs: Db, truePeakDbtp: Db, rmsDbfs: Db, dcOffset: z.number(), clippedRuns: z.number().int() });
export const AudioFactsSchema = z.object({
  start: z.number().nonnegative(),
  duration: z.number().nonnegative(),
  sampleRate: z.number().int().positive(),
  channels: z.number().int().positive(),
  bitDepth: z.number().int().positive().nullable(),
  /** Levels are null for digital silence (−∞ dB). */
  peakDbfs: Db,
  truePeakDbtp: Db,
  rmsDbfs: Db,
  /** Integrated loudness (BS.1770-4 gating); null for silence or a region shorter than 400 ms. */
  lufs: Db,
  dcOffset: z.number(),
  /** Runs of ≥ 2 consecutive samples of a channel at |x| ≥ 0.999 of full scale. */
  clippedRuns: z.number().int().nonnegative(),
  /** The first 1000 runs: channel, start time, length in samples. */
  clipRuns: z.array(z.object({ channel: z.number().int(), start: z.number(), samples: z.number().int() })),
  perChannel: z.array(ChannelFactsSchema),
});
export type AudioFactsView = z.infer<typeof AudioFactsSchema>;

export const PeaksProgressSchema = z.object({
  id: FileId,
  /** 0…1 of the file read so far. */
  fraction: z.number().min(0).max(1),
  done: z.boolean(),
  /** Set when the computation failed: the file's problem, in words. */
  error: z.string().optional(),
});
export type PeaksProgress = z.infer<typeof PeaksProgressSchema>;

export const DescribeParamsSchema = z.object({ id: FileId }).strict();
