import { open } from 'node:fs/promises';
import type { AudioInfo, AudioSource, Block } from '../source';
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
  return {
    path,
    info: pcmInfo(layout),
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
