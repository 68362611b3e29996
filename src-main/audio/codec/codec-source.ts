import { createReadStream } from 'node:fs';
import { decodeChunked } from 'audio-decode/stream';
import { badAudio } from '../bad-audio';
import type { AudioInfo, AudioSource, Block } from '../source';
import { decodeWithPool } from './decoder-pool';
import { type DecodedChunk, REUSABLE_FORMATS, type ReusableFormat } from './reusable-decoders';

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

/** Decodes chunks of the whole file, as the decoder yields them (sizes vary by codec). */
async function* decodeAll(path: string, format: DecoderFormat, counter: { bytes: number }): AsyncGenerator<DecodedChunk> {
  if (REUSABLE_FORMATS.has(format)) {
    yield* decodeWithPool(countedBytes(path, counter), format as ReusableFormat);
    return;
  }
  for await (const chunk of decodeChunked(countedBytes(path, counter), format)) {
    if ((chunk.channelData[0]?.length ?? 0) > 0) yield chunk;
  }
}

/**
 * A decode that has already produced its first chunk (the probe's), kept for the source's first read: starting a
 * WASM decoder costs more than decoding a short file (an instance and its memory, and the garbage collections the
 * memory triggers), so opening a file and then reading it starts one decoder, not two.
 */
interface PrimedDecode {
  first: DecodedChunk;
  rest: AsyncGenerator<DecodedChunk>;
  counter: { bytes: number };
}

/** How long a primed decode waits for the read that normally follows the open before it lets its decoder go. */
const PRIMED_FOR_MS = 1000;

export interface CodecProbe {
  sampleRate: number;
  channels: number;
  primed: PrimedDecode;
}

/**
 * Decodes until the first samples come out: the sample rate and (where the header does not say) the channel count.
 * Costs one decoder start and a few packets; the decode goes on from there for the source's first read.
 */
export async function probeCodec(path: string, format: DecoderFormat): Promise<CodecProbe | null> {
  const counter = { bytes: 0 };
  const rest = decodeAll(path, format, counter);
  const next = await rest.next().catch(async (error: unknown) => {
    await rest.return(undefined);
    throw error;
  });
  if (next.done) return null;
  const first = next.value;
  return { sampleRate: first.sampleRate, channels: first.channelData.length, primed: { first, rest, counter } };
}

/** Hands the primed decode to the first read that comes soon enough; otherwise closes it (its file and decoder). */
function primedOnce(primed: PrimedDecode | undefined) {
  let waiting = primed;
  const expiry = waiting
    ? setTimeout(() => {
        const stale = waiting;
        waiting = undefined;
        void stale?.rest.return(undefined).catch(() => undefined);
      }, PRIMED_FOR_MS)
    : null;
  expiry?.unref();
  return (): PrimedDecode | undefined => {
    const taken = waiting;
    waiting = undefined;
    if (expiry) clearTimeout(expiry);
    return taken;
  };
}

/** The primed chunk, then the rest of that decode: what a fresh decode of the file would yield. */
async function* resumed(primed: PrimedDecode): AsyncGenerator<DecodedChunk> {
  try {
    yield primed.first;
    yield* primed.rest;
  } finally {
    await primed.rest.return(undefined);
  }
}

/** A compressed file: decoded from its start on every read (no seeking yet), samples before `start` dropped. */
export function codecSource(path: string, format: DecoderFormat, info: AudioInfo, fileSize: number, primed?: PrimedDecode): AudioSource {
  const takePrimed = primedOnce(primed);
  return {
    path,
    info,
    blocks(start, end, onProgress) {
      // Taken when the read is asked for, not when it first pulls: the open and the read follow each other.
      return readBlocks(takePrimed(), start, end, onProgress);
    },
  };

  async function* readBlocks(
    primed: PrimedDecode | undefined,
    start: number,
    end: number | null,
    onProgress?: (fraction: number) => void,
  ): AsyncGenerator<Block> {
    const counter = primed?.counter ?? { bytes: 0 };
    let position = 0;
    const last = end ?? Number.POSITIVE_INFINITY;
    const chunks = primed ? resumed(primed) : decodeAll(path, format, counter);
    try {
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
        if (position >= last) return;
      }
    } finally {
      // Also when the reader stops early: the decoder and the file are let go.
      await chunks.return(undefined);
    }
  }
}
