import { Readable } from 'node:stream';
import { parseRange, type RangeReply } from '../files/range';
import type { AudioSource } from './source';

/** Bytes of the canonical WAV header written in front of the samples. */
const HEADER_BYTES = 44;
/** A stream of unknown length says so with the largest sizes RIFF can hold, as streaming encoders do. */
const UNKNOWN_SIZE = 0xffffffff;

function wavHeader(sampleRate: number, channels: number, dataBytes: number): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(Math.min(36 + dataBytes, UNKNOWN_SIZE), 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * channels * 2, 28);
  header.writeUInt16LE(channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(Math.min(dataBytes, UNKNOWN_SIZE), 40);
  return header;
}

/** Planar float samples → interleaved 16-bit little-endian bytes (rounded, clipped), as every browser plays them. */
function toPcm16(block: Float32Array[], channels: number): Buffer {
  const frames = block[0]?.length ?? 0;
  const out = Buffer.alloc(frames * channels * 2);
  for (let c = 0; c < channels; c++) {
    const samples = block[c] as Float32Array;
    for (let i = 0; i < frames; i++) {
      const value = Math.round((samples[i] as number) * 32768);
      out.writeInt16LE(Math.max(-32768, Math.min(32767, value)), (i * channels + c) * 2);
    }
  }
  return out;
}

/** Bytes [from, to] (inclusive) of the WAV rendering of `source`, which has `frames` frames. */
async function* wavBytes(source: AudioSource, frames: number, from: number, to: number): AsyncGenerator<Buffer> {
  const { sampleRate, channels } = source.info;
  const frameBytes = channels * 2;
  if (from < HEADER_BYTES) yield wavHeader(sampleRate, channels, frames * frameBytes).subarray(from, Math.min(to + 1, HEADER_BYTES));
  const dataFrom = Math.max(from - HEADER_BYTES, 0);
  const dataTo = to + 1 - HEADER_BYTES; // exclusive
  if (dataTo <= dataFrom) return;
  const firstFrame = Math.floor(dataFrom / frameBytes);
  const lastFrame = Math.min(Math.ceil(dataTo / frameBytes), frames);
  let position = firstFrame * frameBytes; // data byte offset of the next block's first byte
  for await (const block of source.blocks(firstFrame, lastFrame)) {
    const bytes = toPcm16(block, channels);
    const start = Math.max(dataFrom - position, 0);
    const end = Math.min(dataTo - position, bytes.length);
    if (end > start) yield bytes.subarray(start, end);
    position += bytes.length;
  }
}

/**
 * Serves a file the browser cannot play in its own container (AIFF, CAF) as a 16-bit WAV decoded on the fly, with
 * Range support when the length is known (seeking in `<audio>` then reads only the frames asked for). A file whose
 * length only a full decode tells is streamed whole, without ranges. The samples are the app's own decode, so what
 * is heard is what was measured.
 */
export function decodedWavReply(source: AudioSource, rangeHeader: string | undefined | null): RangeReply {
  const { frames } = source.info;
  const base = { 'Content-Type': 'audio/wav', 'Cache-Control': 'no-store' };
  if (frames === null) {
    const stream = async function* () {
      yield wavHeader(source.info.sampleRate, source.info.channels, UNKNOWN_SIZE);
      for await (const block of source.blocks(0, null)) yield toPcm16(block, source.info.channels);
    };
    return { status: 200, headers: { ...base, 'Accept-Ranges': 'none' }, body: Readable.from(stream()) };
  }
  const size = HEADER_BYTES + frames * source.info.channels * 2;
  const range = parseRange(rangeHeader, size);
  const ranged = { ...base, 'Accept-Ranges': 'bytes' };
  if (range === 'unsatisfiable') return { status: 416, headers: { ...ranged, 'Content-Range': `bytes */${size}` }, body: null };
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const headers: Record<string, string> = { ...ranged, 'Content-Length': String(end - start + 1) };
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  return { status: range ? 206 : 200, headers, body: Readable.from(wavBytes(source, frames, start, end)) };
}
