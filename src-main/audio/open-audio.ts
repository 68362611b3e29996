import { type FileHandle, open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { ApiError } from '../../src-common/api/errors';
import { sniffAudioContainer } from '../files/sniff';
import { badAudio } from './bad-audio';
import { adtsHeader, flacStreamInfo, type HeaderFacts, id3Length, mp3Header, mp4Header } from './codec/codec-headers';
import { codecSource, type DecoderFormat, probeCodec } from './codec/codec-source';
import { readAiffLayout } from './pcm/aiff-header';
import { readCafLayout } from './pcm/caf-header';
import { impossibleShape, PcmHeaderError, type PcmLayout, unusualRateWarning } from './pcm/pcm-layout';
import { pcmSource } from './pcm/pcm-source';
import { readWavLayout } from './pcm/wav-header';
import type { AudioSource } from './source';

const SUPPORTED = 'WAV, AIFF, FLAC, MP3, Ogg Vorbis, Opus, M4A/AAC, WebM, CAF';

/** Compressed containers, by which audio-decode decoder reads them and the codec name people know. */
async function compressedFormat(container: string, head: Buffer, header: HeaderFacts): Promise<{ format: DecoderFormat; codec: string }> {
  switch (container) {
    case 'flac':
      return { format: 'flac', codec: 'FLAC' };
    case 'mp3':
      return { format: 'mp3', codec: 'MP3' };
    case 'aac':
      return { format: 'aac', codec: 'AAC (ADTS)' };
    case 'mp4':
      return { format: 'm4a', codec: header.mp4Codec === 'alac' ? 'ALAC' : 'AAC' };
    case 'webm':
      return { format: 'webm', codec: 'WebM audio' };
    case 'caf':
      return { format: 'caf', codec: 'CAF audio' };
    default: {
      // Ogg carries Opus or Vorbis; the first page's packet says which.
      const opus = head.toString('latin1', 28, 36) === 'OpusHead';
      return opus ? { format: 'opus', codec: 'Opus' } : { format: 'oga', codec: 'Vorbis' };
    }
  }
}

async function headerFacts(container: string, handle: FileHandle, head: Buffer, size: number): Promise<HeaderFacts> {
  if (container === 'flac') return flacStreamInfo(head);
  if (container === 'mp3') {
    // An ID3 tag with cover art can be larger than the head read: look for the first frame right after it.
    const tagEnd = id3Length(head);
    if (tagEnd + 4 <= head.length) return mp3Header(head);
    const after = Buffer.alloc(Math.min(8192, Math.max(size - tagEnd, 0)));
    await handle.read(after, 0, after.length, tagEnd);
    return mp3Header(after);
  }
  if (container === 'aac') return adtsHeader(head);
  if (container === 'mp4') return mp4Header(handle, size);
  return { channels: null, sampleRate: null, frames: null, bitDepth: null, mp4Codec: null };
}

/**
 * Opens an audio file for streaming reads. Uncompressed WAV/AIFF are described from their headers and read by
 * seeking; every other format is described from its header plus its first decoded packet. Anything unreadable,
 * empty, truncated before its first sample, or not audio fails here with an ApiError naming the file.
 */
export async function openAudio(path: string): Promise<AudioSource> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'ENOENT'
      ? new ApiError('not_found', `Cannot read ${basename(path)}: the file does not exist`, { path })
      : badAudio(path, error.message);
  });
  if (!info.isFile()) throw badAudio(path, 'it is not a regular file');
  if (info.size === 0) throw badAudio(path, 'the file is empty (0 bytes)');
  const handle = await open(path, 'r').catch((error: Error) => {
    throw badAudio(path, `the file cannot be opened (${error.message})`);
  });
  try {
    // 64 KiB covers an ID3 tag with a small cover image before the first MP3 frame, and every other header here.
    const head = Buffer.alloc(Math.min(info.size, 64 << 10));
    await handle.read(head, 0, head.length, 0);
    const container = sniffAudioContainer(head);
    if (!container) throw badAudio(path, `not an audio format Diffa Studio reads (${SUPPORTED})`);
    let layout: PcmLayout | null = null;
    try {
      if (container === 'wav') layout = await readWavLayout(handle, info.size);
      if (container === 'aiff') layout = await readAiffLayout(handle, info.size);
      // CAF with linear PCM, A-law or µ-law is read like AIFF; compressed CAF (AAC, ALAC) goes to the decoders below.
      if (container === 'caf') layout = await readCafLayout(handle, info.size);
    } catch (error) {
      if (error instanceof PcmHeaderError) throw badAudio(path, error.message);
      throw error;
    }
    if (layout) {
      if (layout.frames === 0) throw badAudio(path, `the file is empty: its ${layout.codec} data holds no samples`);
      return pcmSource(path, { ...layout, warning: layout.warning ?? unusualRateWarning(layout.sampleRate) });
    }
    const header = await headerFacts(container, handle, head, info.size);
    const { format, codec } = await compressedFormat(container, head, header);
    if (header.frames === 0) throw badAudio(path, `the file is empty: its ${codec} stream holds no samples`);
    const declared = header.channels !== null && header.sampleRate !== null ? impossibleShape(header.channels, header.sampleRate) : null;
    if (declared) throw badAudio(path, declared);
    const probe = await probeCodec(path, format).catch((error: Error) => {
      throw badAudio(path, `the ${codec} data cannot be decoded (${error.message || 'corrupt or truncated'})`);
    });
    if (!probe) throw badAudio(path, `no audio could be decoded from it (${codec}: empty, truncated, or not really audio)`);
    // Some containers (CAF) store the rate as a float: 16000.0078 is 16000; 0, NaN or Infinity is not audio.
    const sampleRate = Math.round(probe.sampleRate);
    const impossible = impossibleShape(header.channels ?? probe.channels, sampleRate);
    if (impossible) {
      await probe.primed.rest.return(undefined); // the probe's decoder and file, kept for a read that will not come
      throw badAudio(path, `${impossible} (${codec})`);
    }
    const lossless = codec === 'FLAC' || codec === 'ALAC';
    return codecSource(
      path,
      format,
      {
        container,
        codec,
        sampleRate,
        channels: header.channels ?? probe.channels,
        bitDepth: lossless ? header.bitDepth : null,
        frames: header.frames,
        lossless,
        warning: unusualRateWarning(sampleRate),
      },
      info.size,
      probe.primed,
    );
  } finally {
    await handle.close();
  }
}
