import { ApiError } from '../../src-common/api/errors';
import { openAudio } from './open-audio';

/** Decoded PCM: one Float32Array per channel, at the file's own sample rate. */
export interface DecodedAudio {
  sampleRate: number;
  channels: Float32Array[];
  /** The whole file's length in frames when its header says so (null: only decoding all of it would tell). */
  fileFrames?: number | null;
}

/** A span of a file in seconds; `end` null means to the end of the file. */
export interface Region {
  start: number;
  end: number | null;
}

/** Joins blocks of planar samples into one array per channel. */
export function concatBlocks(blocks: Float32Array[][], channels: number): Float32Array[] {
  const total = blocks.reduce((sum, block) => sum + (block[0]?.length ?? 0), 0);
  return Array.from({ length: channels }, (_, c) => {
    const out = new Float32Array(total);
    let offset = 0;
    for (const block of blocks) {
      const data = block[c] as Float32Array;
      out.set(data, offset);
      offset += data.length;
    }
    return out;
  });
}

/**
 * Decodes the samples of `region` from a file, streaming: a WAV/AIFF region reads only its own bytes; compressed
 * files decode from the start, drop what precedes the region and stop once it is complete, so a question about ten
 * seconds of a two-hour file holds ten seconds in memory.
 */
export async function decodeRegion(path: string, region: Region = { start: 0, end: null }): Promise<DecodedAudio> {
  const source = await openAudio(path);
  const { sampleRate, channels, frames } = source.info;
  const name = path.split(/[\\/]/).pop();
  if (region.start < 0 || (region.end !== null && region.end <= region.start)) {
    throw new ApiError('bad_request', `Invalid region ${region.start}–${region.end ?? 'end'} s for ${name}`);
  }
  const first = Math.round(region.start * sampleRate);
  const last = region.end === null ? null : Math.round(region.end * sampleRate);
  if (frames !== null && first >= frames) {
    throw new ApiError('bad_request', `The region starts at ${region.start} s, after the end of ${name} (${(frames / sampleRate).toFixed(3)} s)`);
  }
  const blocks: Float32Array[][] = [];
  for await (const block of source.blocks(first, last)) blocks.push(block);
  if (blocks.length === 0) throw new ApiError('bad_request', `The region starts at ${region.start} s, after the end of ${name}`);
  return { sampleRate, channels: concatBlocks(blocks, channels), fileFrames: frames };
}

/** Mono as the average of the channels (what Whisper's loaders do). */
export function downmix(audio: DecodedAudio): Float32Array {
  const [firstChannel, ...rest] = audio.channels;
  if (!firstChannel) return new Float32Array(0);
  if (rest.length === 0) return firstChannel;
  const mono = new Float32Array(firstChannel.length);
  for (const channel of audio.channels) for (let i = 0; i < mono.length; i++) mono[i] = (mono[i] ?? 0) + (channel[i] ?? 0);
  const scale = 1 / audio.channels.length;
  for (let i = 0; i < mono.length; i++) mono[i] = (mono[i] ?? 0) * scale;
  return mono;
}
