import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { ApiError } from '../../src-common/api/errors';
import type { AudioFacts } from '../../src-common/audio/facts';
import { chooseLevel, type PeakLevel } from '../../src-common/audio/peaks';
import {
  type AudioDescription,
  type AudioFactsView,
  MAX_PEAKS_WIDTH,
  MAX_SAMPLES_SECONDS,
  MAX_SAMPLES_VALUES,
  type PeaksProgress,
  type PeaksResult,
  type SamplesResult,
} from '../../src-common/audio/schemas';
import { readSamples } from './analyze';
import { openAudio } from './open-audio';
import { DECODED_CACHE_LIMIT_BYTES, prunePeaksCache, touch } from './peaks-cache-prune';
import { type CachedPeaks, readPeaksFile } from './peaks-file';
import { runAnalysis } from './run-analysis';
import type { AudioInfo, AudioSource } from './source';

/** Pyramids kept in memory after use: the open file and a couple of recent ones (a two-hour file's is ~14 MB). */
const KEEP_LOADED = 3;

const describeFrom = (info: AudioInfo, frames: number): AudioDescription => ({
  duration: frames / info.sampleRate,
  frames,
  sampleRate: info.sampleRate,
  channels: info.channels,
  bitDepth: info.bitDepth,
  codec: info.codec,
  container: info.container,
  lossless: info.lossless,
  warning: info.warning,
});

const round4 = (v: number) => Math.round((v / 32767) * 1e4) / 1e4;

/**
 * The audio workspace on the main side: describes files, computes their peaks once (in a worker, cached on disk
 * under `<home>/cache/peaks/` keyed by path, size and modification time), serves peak windows, bounded sample windows
 * and measured facts. Nothing is ever written next to the user's files.
 */
export class AudioService {
  private readonly running = new Map<string, Promise<CachedPeaks>>();
  private readonly listeners = new Map<string, Set<string>>();
  private readonly loaded = new Map<string, CachedPeaks>();
  private readonly wholeFileFacts = new Map<string, AudioFacts>();

  constructor(
    private readonly cacheDir: string,
    private readonly emit: (progress: PeaksProgress) => void = () => undefined,
  ) {}

  /** The cache key of a file as it is now: a changed file (size or mtime) gets a new key, so it is recomputed. */
  private async key(path: string): Promise<{ key: string; file: string; copy: string }> {
    const info = await stat(path).catch(() => {
      throw new ApiError('not_found', `Cannot read ${basename(path)}: the file does not exist (moved or deleted?)`, { path });
    });
    const key = createHash('sha256')
      .update(JSON.stringify([resolve(path), info.size, info.mtimeMs]))
      .digest('hex')
      .slice(0, 32);
    return { key, file: join(this.cacheDir, 'peaks', `${key}.peaks`), copy: join(this.cacheDir, 'decoded', `${key}.wav`) };
  }

  /** The file's peaks and exact description: from memory, from the disk cache, or computed once in a worker. */
  async analysis(path: string, id = ''): Promise<CachedPeaks> {
    const { key, file, copy } = await this.key(path);
    const inMemory = this.loaded.get(key);
    if (inMemory) return inMemory;
    if (id) this.listeners.set(key, (this.listeners.get(key) ?? new Set()).add(id));
    let job = this.running.get(key);
    if (!job) {
      job = this.load(key, file, copy, path).finally(() => {
        this.running.delete(key);
        this.listeners.delete(key);
      });
      this.running.set(key, job);
    }
    return job;
  }

  private async load(key: string, file: string, copy: string, path: string): Promise<CachedPeaks> {
    const progress = (fraction: number, done: boolean, error?: string) => {
      for (const id of this.listeners.get(key) ?? []) this.emit({ id, fraction, done, ...(error ? { error } : {}) });
    };
    let cached = await readPeaksFile(file);
    if (!cached) {
      try {
        await runAnalysis({ kind: 'peaks', path, cacheFile: file, copyFile: copy }, (fraction) => progress(fraction, false));
      } catch (error) {
        progress(0, true, (error as Error).message);
        throw error;
      }
      cached = await readPeaksFile(file);
      if (!cached) throw new ApiError('io_error', `The peaks of ${basename(path)} could not be written to ${this.cacheDir}`);
      await prunePeaksCache(join(this.cacheDir, 'peaks'));
      await prunePeaksCache(join(this.cacheDir, 'decoded'), DECODED_CACHE_LIMIT_BYTES, '.wav');
    } else {
      await touch(file);
      await touch(copy);
    }
    progress(1, true);
    this.loaded.set(key, cached);
    while (this.loaded.size > KEEP_LOADED) this.loaded.delete(this.loaded.keys().next().value as string);
    return cached;
  }

  /** Duration, rate, channels, bit depth and codec. WAV/AIFF/FLAC headers say all; other formats need the peaks pass. */
  async describe(path: string, id = ''): Promise<AudioDescription> {
    const cached = this.loaded.get((await this.key(path)).key);
    if (cached) return describeFrom(cached.info, cached.pyramid.frames);
    const source = await openAudio(path);
    if (source.info.frames !== null) return describeFrom(source.info, source.info.frames);
    const analysed = await this.analysis(path, id);
    return describeFrom(analysed.info, analysed.pyramid.frames);
  }

  async peaks(
    path: string,
    id: string,
    params: { start: number; end?: number | undefined; width: number; samplesPerPeak?: number | undefined },
  ): Promise<PeaksResult> {
    const { info, pyramid } = await this.analysis(path, id);
    const { sampleRate, frames } = pyramid;
    const first = Math.min(Math.floor(params.start * sampleRate), frames);
    const last = Math.min(params.end === undefined ? frames : Math.ceil(params.end * sampleRate), frames);
    if (last < first) throw new ApiError('bad_request', `The window ends (${params.end} s) before it starts (${params.start} s)`);
    let level: PeakLevel;
    if (params.samplesPerPeak !== undefined) {
      const exact = pyramid.levels.find((l) => l.samplesPerPeak === params.samplesPerPeak);
      if (!exact)
        throw new ApiError(
          'bad_request',
          `No peaks level of ${params.samplesPerPeak} samples; there are ${pyramid.levels.map((l) => l.samplesPerPeak).join(', ')}`,
        );
      level = exact;
    } else level = chooseLevel(pyramid, last - first, params.width);
    const spp = level.samplesPerPeak;
    const from = Math.floor(first / spp);
    const to = Math.min(Math.ceil(last / spp), Math.ceil(frames / spp));
    if (to - from > MAX_PEAKS_WIDTH + 2) {
      throw new ApiError(
        'bad_request',
        `That window holds ${to - from} peaks at ${spp} samples per peak; ask for at most ${MAX_PEAKS_WIDTH} (a shorter window or a coarser level)`,
      );
    }
    const channels = level.channels.map((values) => {
      const min: number[] = [];
      const max: number[] = [];
      for (let k = from; k < to; k++) {
        min.push(round4(values[2 * k] as number));
        max.push(round4(values[2 * k + 1] as number));
      }
      return { min, max };
    });
    return { sampleRate: info.sampleRate, samplesPerPeak: spp, start: (from * spp) / sampleRate, duration: frames / sampleRate, channels };
  }

  /** A bounded window of native-rate samples, as base64 Float32 (little-endian) per channel. */
  async samples(path: string, params: { start: number; end: number; channel: number | 'mix' | 'all' }): Promise<SamplesResult> {
    if (params.end <= params.start) throw new ApiError('bad_request', `The window ends (${params.end} s) before it starts (${params.start} s)`);
    if (params.end - params.start > MAX_SAMPLES_SECONDS) {
      throw new ApiError(
        'bad_request',
        `Ask for at most ${MAX_SAMPLES_SECONDS} s of samples at a time (asked for ${(params.end - params.start).toFixed(1)} s)`,
      );
    }
    const source = await openAudio(path);
    const { sampleRate, channels: count } = source.info;
    if (typeof params.channel === 'number' && params.channel >= count)
      throw new ApiError('bad_request', `${basename(path)} has ${count} channel(s); there is no channel ${params.channel}`);
    const first = Math.round(params.start * sampleRate);
    const last = Math.round(params.end * sampleRate);
    const returned = params.channel === 'all' ? count : 1;
    if ((last - first) * returned > MAX_SAMPLES_VALUES) {
      throw new ApiError(
        'bad_request',
        `That window is ${(last - first) * returned} samples; ask for at most ${MAX_SAMPLES_VALUES} (a shorter window, or one channel)`,
      );
    }
    // WAV/AIFF seek straight to the window: cheap enough for the main thread. Compressed files are read from their
    // decoded copy once the peaks pass has written it; before that, decoded from their start in the worker.
    const seekable = source.info.container === 'wav' || source.info.container === 'aiff';
    const copy = seekable ? null : await this.decodedCopy(path);
    const data = seekable
      ? await readSamples(source, first, last)
      : copy
        ? await readSamples(copy, first, last)
        : (await runAnalysis<{ channels: Float32Array[] }>({ kind: 'samples', path, start: first, end: last })).channels;
    const frames = data[0]?.length ?? 0;
    let chosen: Float32Array[];
    if (params.channel === 'all') chosen = data;
    else if (params.channel === 'mix') {
      const mix = new Float32Array(frames);
      for (const channel of data) for (let i = 0; i < frames; i++) mix[i] = (mix[i] as number) + (channel[i] as number) / data.length;
      chosen = [mix];
    } else chosen = [data[params.channel] as Float32Array];
    return {
      sampleRate,
      start: Math.min(first, first + frames) / sampleRate,
      frames,
      channels: chosen.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength).toString('base64')),
    };
  }

  /** The decoded copy of a compressed file, when it exists for the file as it is now. */
  private async decodedCopy(path: string): Promise<AudioSource | null> {
    const { copy } = await this.key(path);
    return openAudio(copy).catch(() => null);
  }

  /** Measured facts of the whole file or a region (in a worker; whole-file results are remembered while it is unchanged). */
  async facts(path: string, start?: number, end?: number): Promise<AudioFactsView> {
    const source = await openAudio(path);
    const { sampleRate } = source.info;
    const first = Math.round((start ?? 0) * sampleRate);
    const last = end === undefined ? null : Math.round(end * sampleRate);
    if (last !== null && last <= first) throw new ApiError('bad_request', `The region ends (${end} s) before it starts (${start ?? 0} s)`);
    const whole = first === 0 && last === null;
    const { key } = await this.key(path);
    let facts = whole ? this.wholeFileFacts.get(key) : undefined;
    if (!facts) {
      facts = await runAnalysis<AudioFacts>({ kind: 'facts', path, start: first, end: last });
      if (whole) this.wholeFileFacts.set(key, facts);
    }
    if (facts.frames === 0) throw new ApiError('bad_request', `The region starts at ${start} s, after the end of ${basename(path)}`);
    return factsView(facts, source.info.bitDepth);
  }
}

/** Facts as the API shows them: times in seconds instead of frames. */
export function factsView(facts: AudioFacts, bitDepth: number | null): AudioFactsView {
  const { startFrame, frames, sampleRate, clipRuns, ...rest } = facts;
  return {
    ...rest,
    sampleRate,
    bitDepth,
    start: startFrame / sampleRate,
    duration: frames / sampleRate,
    clipRuns: clipRuns.map((run) => ({ channel: run.channel, start: run.startFrame / sampleRate, samples: run.samples })),
  };
}
