import { createReadStream } from 'node:fs';
import { decodeChunked } from 'audio-decode/stream';
import { badAudio } from '../bad-audio';
import type { AudioInfo, AudioSource, Block } from '../source';

/** audio-decode's name for each decoder (pure JS/WASM: mpg123, libFLAC, libopus, libvorbis, FAAD2). */
export type DecoderFormat = Parameters<typeof decodeChunked>[1];

const READ_CHUNK = 1 << 18;

/** The file's bytes as an async iterable that also counts how many have been handed to the decoder. */
async function* countedBytes(path: string, counter: { bytes: number }): AsyncGenerator<Uint8Array> {
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK })) {
    counter.bytes += (chunk as Buffer).length;
    yield chunk as Buffer;
  }
}

/** Makes every chunk `channels` wide: drops the decoder's upmixed copy of a mono file, restores a collapsed stereo. */
function toWidth(channelData: Float32Array[], channels: number): Block {
  if (channelData.length === channels) return channelData;
  if (channelData.length > channels) return channelData.slice(0, channels);
  return Array.from({ length: channels }, (_, c) => channelData[c] ?? (channelData[0] as Float32Array));
}

/** Decodes chunks of the whole file, as audio-decode yields them (sizes vary by codec). */
async function* decodeAll(path: string, format: DecoderFormat, counter: { bytes: number }) {
  for await (const chunk of decodeChunked(countedBytes(path, counter), format)) {
    if ((chunk.channelData[0]?.length ?? 0) > 0) yield chunk;
  }
}

/**
 * Decodes until the first samples come out: the sample rate and (where the header does not say) the channel count.
 * Costs one decoder start and a few packets.
 */
export async function probeCodec(path: string, format: DecoderFormat): Promise<{ sampleRate: number; channels: number } | null> {
  for await (const chunk of decodeAll(path, format, { bytes: 0 })) return { sampleRate: chunk.sampleRate, channels: chunk.channelData.length };
  return null;
}

/** A compressed file: decoded from its start on every read (no seeking yet), samples before `start` dropped. */
export function codecSource(path: string, format: DecoderFormat, info: AudioInfo, fileSize: number): AudioSource {
  return {
    path,
    info,
    async *blocks(start, end, onProgress): AsyncGenerator<Block> {
      const counter = { bytes: 0 };
      let position = 0;
      const last = end ?? Number.POSITIVE_INFINITY;
      const chunks = decodeAll(path, format, counter);
      while (true) {
        // A file that goes bad halfway (cut short, corrupt packets) fails with its name, not a decoder's stack.
        const next = await chunks.next().catch((error: Error) => {
          throw badAudio(path, `the ${info.codec} data is corrupt or truncated at ${(position / info.sampleRate).toFixed(2)} s (${error.message})`);
        });
        if (next.done) return;
        const chunk = next.value;
        const block = toWidth(chunk.channelData, info.channels);
        const length = (block[0] as Float32Array).length;
        const from = Math.max(start - position, 0);
        const to = Math.min(last - position, length);
        if (to > from) yield from === 0 && to === length ? block : block.map((channel) => channel.subarray(from, to));
        position += length;
        onProgress?.(Math.min(counter.bytes / Math.max(fileSize, 1), 1));
        if (position >= last) {
          await chunks.return(undefined);
          return;
        }
      }
    },
  };
}
