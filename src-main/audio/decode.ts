import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { decodeChunked } from 'audio-decode/stream';
import { ApiError } from '../../src-common/api/errors';
import { readHead, sniffAudioContainer } from '../files/sniff';

/** Decoded PCM: one Float32Array per channel, at the file's own sample rate. */
export interface DecodedAudio {
  sampleRate: number;
  channels: Float32Array[];
}

/** A span of a file in seconds; `end` null means to the end of the file. */
export interface Region {
  start: number;
  end: number | null;
}

type DecoderFormat = Parameters<typeof decodeChunked>[1];

/** Which of audio-decode's decoders reads this file, from its header bytes (Ogg holds either Opus or Vorbis). */
async function decoderFormat(path: string): Promise<DecoderFormat> {
  const head = await readHead(path, 64);
  const container = sniffAudioContainer(head);
  const name = basename(path);
  switch (container) {
    case 'wav':
    case 'aiff':
    case 'flac':
    case 'mp3':
    case 'webm':
    case 'caf':
    case 'aac':
      return container;
    case 'mp4':
      return 'm4a';
    case 'ogg':
      return String.fromCharCode(...head.subarray(28, 36)) === 'OpusHead' ? 'opus' : 'oga';
    default:
      throw new ApiError('bad_audio', `Cannot decode ${name}: not an audio format Diffa Studio reads`, { path });
  }
}

/**
 * Decodes the samples of `region` from a file, streaming: chunks before the region are dropped and decoding stops
 * once the region is complete, so a question about ten seconds of a two-hour file holds ten seconds in memory.
 */
export async function decodeRegion(path: string, region: Region = { start: 0, end: null }): Promise<DecodedAudio> {
  const name = basename(path);
  if (region.start < 0 || (region.end !== null && region.end <= region.start)) {
    throw new ApiError('bad_request', `Invalid region ${region.start}–${region.end ?? 'end'} s for ${name}`);
  }
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) throw new ApiError('not_found', `Cannot open ${name}: the file does not exist`, { path });
  if (info.size === 0) throw new ApiError('bad_audio', `Cannot decode ${name}: the file is empty`, { path });
  const format = await decoderFormat(path);

  const parts: Float32Array[][] = [];
  let sampleRate = 0;
  let position = 0; // samples decoded so far, per channel
  let first = 0;
  let last = Number.POSITIVE_INFINITY;
  try {
    for await (const chunk of decodeChunked(createReadStream(path, { highWaterMark: 1 << 18 }), format)) {
      const length = chunk.channelData[0]?.length ?? 0;
      if (length === 0) continue;
      if (sampleRate === 0) {
        sampleRate = chunk.sampleRate;
        first = Math.round(region.start * sampleRate);
        last = region.end === null ? Number.POSITIVE_INFINITY : Math.round(region.end * sampleRate);
      }
      const from = Math.max(first - position, 0);
      const to = Math.min(last - position, length);
      if (to > from) parts.push(chunk.channelData.map((channel) => channel.slice(from, to)));
      position += length;
      if (position >= last) break;
    }
  } catch (error) {
    throw new ApiError('bad_audio', `Cannot decode ${name}: ${(error as Error).message || 'the data is corrupt or truncated'}`, { path });
  }
  if (sampleRate === 0 || position === 0) throw new ApiError('bad_audio', `Cannot decode ${name}: no audio samples found (truncated or not audio)`, { path });
  if (first >= position) {
    throw new ApiError('bad_request', `The region starts at ${region.start} s, after the end of ${name} (${(position / sampleRate).toFixed(3)} s)`);
  }
  const channelCount = Math.max(...parts.map((p) => p.length));
  const total = parts.reduce((sum, p) => sum + (p[0]?.length ?? 0), 0);
  const channels = Array.from({ length: channelCount }, (_, c) => {
    const out = new Float32Array(total);
    let offset = 0;
    for (const part of parts) {
      const data = part[c] ?? part[0] ?? new Float32Array(0);
      out.set(data, offset);
      offset += data.length;
    }
    return out;
  });
  return { sampleRate, channels };
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
