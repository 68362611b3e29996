import { open } from 'node:fs/promises';
import { endianness } from 'node:os';
import type { AudioInfo, AudioSource, Block, InterleavedBlock } from '../source';
import { pcmToFloat } from './pcm-convert';
import { bytesPerFrame, type PcmLayout } from './pcm-layout';

/** Bytes read per step: large enough that a two-hour file takes few system calls, small enough to stay bounded. */
const BLOCK_BYTES = 4 << 20;

export function pcmInfo(layout: PcmLayout): AudioInfo {
  return {
    container: layout.container,
    codec: layout.codec,
    sampleRate: layout.sampleRate,
    channels: layout.channels,
    bitDepth: layout.validBits,
    frames: layout.frames,
    lossless: layout.encoding !== 'alaw' && layout.encoding !== 'ulaw',
    warning: layout.warning,
  };
}

/** A WAV/AIFF file read by seeking: only the bytes of the requested frames are read, 4 MiB at a time. */
export function pcmSource(path: string, layout: PcmLayout): AudioSource {
  const frameBytes = bytesPerFrame(layout);
  const framesPerBlock = Math.max(1, Math.floor(BLOCK_BYTES / frameBytes));
  const view = nativeView(layout);
  return {
    path,
    info: pcmInfo(layout),
    ...(view && {
      async *interleaved(onProgress): AsyncGenerator<InterleavedBlock> {
        const handle = await open(path, 'r');
        try {
          // The same buffer every time: the caller has used one block before it asks for the next.
          const bytes = new Uint8Array(Math.min(framesPerBlock, Math.max(layout.frames, 1)) * frameBytes);
          for (let frame = 0; frame < layout.frames; ) {
            const count = Math.min(framesPerBlock, layout.frames - frame);
            const { bytesRead } = await handle.read(bytes, 0, count * frameBytes, layout.dataOffset + frame * frameBytes);
            const got = Math.floor(bytesRead / frameBytes);
            if (got === 0) break;
            yield { data: view.make(bytes.buffer, got * layout.channels), frames: got, scale: view.scale };
            frame += got;
            onProgress?.(frame / layout.frames);
          }
        } finally {
          await handle.close();
        }
      },
    }),
    async *blocks(start, end, onProgress): AsyncGenerator<Block> {
      const last = Math.min(end ?? layout.frames, layout.frames);
      const handle = await open(path, 'r');
      try {
        // One buffer reused for every read: memory stays at one block of bytes plus the block being handed out.
        const bytes = new Uint8Array(Math.min(framesPerBlock, Math.max(last - start, 1)) * frameBytes);
        for (let frame = start; frame < last; ) {
          const count = Math.min(framesPerBlock, last - frame);
          const { bytesRead } = await handle.read(bytes, 0, count * frameBytes, layout.dataOffset + frame * frameBytes);
          const got = Math.floor(bytesRead / frameBytes);
          if (got === 0) break; // the file shrank since it was opened
          yield pcmToFloat(bytes, got, layout);
          frame += got;
          onProgress?.((frame - start) / Math.max(last - start, 1));
        }
      } finally {
        await handle.close();
      }
    },
  };
}

/** A typed-array view of the raw data where the file's sample type matches one the host reads natively. */
function nativeView(layout: PcmLayout): { make: (buffer: ArrayBufferLike, n: number) => Int16Array | Int32Array | Float32Array; scale: number } | null {
  if (layout.bigEndian || endianness() !== 'LE') return null;
  if (layout.encoding === 'int' && layout.containerBits === 16) return { make: (b, n) => new Int16Array(b, 0, n), scale: 1 / 32768 };
  if (layout.encoding === 'int' && layout.containerBits === 32) return { make: (b, n) => new Int32Array(b, 0, n), scale: 1 / 2147483648 };
  if (layout.encoding === 'float' && layout.containerBits === 32) return { make: (b, n) => new Float32Array(b, 0, n), scale: 1 };
  return null;
}
