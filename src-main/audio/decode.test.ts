import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../test-support/temp-dir';
import { decodeRegion } from './decode';
import { openAudio } from './open-audio';
import { ffmpeg, ffmpegDecode, ffmpegMissing, probeChannels, render } from './testing/ffmpeg';

/**
 * Every supported format, made by ffmpeg/sox from one 2-second stereo signal, decoded here and by ffmpeg: lossless
 * formats must agree to the last bit (≤ 1 LSB), lossy ones in length (encoder delay and padding removed as ffmpeg
 * removes them) and closely in value.
 */
const dir = tempDir('diffa-decode-');
const SOURCE = 'aevalsrc=0.4*sin(2*PI*440*t)+0.1*sin(2*PI*3000*t)|0.3*sin(2*PI*660*t)-0.2*sin(2*PI*5000*t):s=44100:d=2';

interface Case {
  file: string;
  codec: string[];
  bitDepth: number | null;
  /** Largest allowed difference per sample. */
  tolerance: number;
  /** Lossy: relative RMS of the difference allowed. */
  relativeRms?: number;
  /** Frames ours has fewer than ffmpeg's at the start (ADTS AAC: ffmpeg keeps the 1024-sample encoder priming). */
  leading?: number;
  /** ffmpeg's decode ends later: it keeps the M4A end padding that the edit list (which we honour) excludes. */
  ffmpegLonger?: boolean;
  /** Frames at the end left out of the value comparison: FAAD2 and ffmpeg flush the last AAC frame's overlap differently. */
  tail?: number;
  source?: string;
}

const lsb = (bits: number) => 1 / 2 ** (bits - 1);
const cases: Case[] = [
  { file: 'u8.wav', codec: ['-c:a', 'pcm_u8'], bitDepth: 8, tolerance: lsb(8) },
  { file: 's16.wav', codec: ['-c:a', 'pcm_s16le'], bitDepth: 16, tolerance: lsb(16) },
  { file: 's24.wav', codec: ['-c:a', 'pcm_s24le'], bitDepth: 24, tolerance: lsb(24) },
  { file: 's32.wav', codec: ['-c:a', 'pcm_s32le'], bitDepth: 32, tolerance: lsb(24) },
  { file: 'f32.wav', codec: ['-c:a', 'pcm_f32le'], bitDepth: 32, tolerance: 0 },
  { file: 'f64.wav', codec: ['-c:a', 'pcm_f64le'], bitDepth: 64, tolerance: 1e-7 },
  {
    file: 'extensible-6ch.wav',
    codec: ['-c:a', 'pcm_s24le'],
    bitDepth: 24,
    tolerance: lsb(24),
    source: 'aevalsrc=0.1*sin(2*PI*440*t)|0.2*sin(2*PI*550*t)|0.3*sin(2*PI*660*t)|0.1*sin(2*PI*70*t)|0.1*sin(2*PI*880*t)|0.1*sin(2*PI*990*t):s=48000:d=1',
  },
  { file: 'bwf.wav', codec: ['-c:a', 'pcm_s16le', '-write_bext', '1', '-metadata', 'description=take 3'], bitDepth: 16, tolerance: lsb(16) },
  { file: 'rf64.wav', codec: ['-c:a', 'pcm_s16le', '-rf64', 'always'], bitDepth: 16, tolerance: lsb(16) },
  { file: 'alaw.wav', codec: ['-c:a', 'pcm_alaw'], bitDepth: 8, tolerance: lsb(16) },
  { file: 's16.aiff', codec: ['-c:a', 'pcm_s16be'], bitDepth: 16, tolerance: lsb(16) },
  { file: 's24.aiff', codec: ['-c:a', 'pcm_s24be'], bitDepth: 24, tolerance: lsb(24) },
  { file: 'f32.aifc', codec: ['-c:a', 'pcm_f32be', '-f', 'aiff'], bitDepth: 32, tolerance: 0 },
  { file: 'ulaw.aifc', codec: ['-c:a', 'pcm_mulaw', '-f', 'aiff'], bitDepth: 8, tolerance: lsb(16) },
  { file: 'alaw.caf', codec: ['-c:a', 'pcm_alaw'], bitDepth: 8, tolerance: lsb(16) },
  { file: 'ulaw.caf', codec: ['-c:a', 'pcm_mulaw'], bitDepth: 8, tolerance: lsb(16) },
  { file: 's8.caf', codec: ['-c:a', 'pcm_s8'], bitDepth: 8, tolerance: lsb(8) },
  { file: 's16le.caf', codec: ['-c:a', 'pcm_s16le'], bitDepth: 16, tolerance: lsb(16) },
  { file: 's24be.caf', codec: ['-c:a', 'pcm_s24be'], bitDepth: 24, tolerance: lsb(24) },
  { file: 'f32le.caf', codec: ['-c:a', 'pcm_f32le'], bitDepth: 32, tolerance: 0 },
  { file: 'f64be.caf', codec: ['-c:a', 'pcm_f64be'], bitDepth: 64, tolerance: 1e-7 },
  { file: 's16.flac', codec: ['-c:a', 'flac', '-sample_fmt', 's16'], bitDepth: 16, tolerance: lsb(16) },
  { file: 's24.flac', codec: ['-c:a', 'flac', '-sample_fmt', 's32'], bitDepth: 24, tolerance: lsb(24) },
  { file: 'cbr.mp3', codec: ['-c:a', 'libmp3lame', '-b:a', '192k'], bitDepth: null, tolerance: 1e-4, relativeRms: 1e-4 },
  { file: 'vbr.mp3', codec: ['-c:a', 'libmp3lame', '-q:a', '4'], bitDepth: null, tolerance: 1e-4, relativeRms: 1e-4 },
  { file: 'vorbis.ogg', codec: ['-c:a', 'libvorbis'], bitDepth: null, tolerance: 1e-4, relativeRms: 1e-4 },
  { file: 'opus.opus', codec: ['-c:a', 'libopus'], bitDepth: null, tolerance: 1e-4, relativeRms: 1e-4 },
  { file: 'aac.m4a', codec: ['-c:a', 'aac'], bitDepth: null, tolerance: 5e-3, relativeRms: 1e-3, ffmpegLonger: true, tail: 2048 },
  { file: 'adts.aac', codec: ['-c:a', 'aac'], bitDepth: null, tolerance: 5e-3, relativeRms: 1e-3, leading: 1024, tail: 2048 },
];

describe('decoding against ffmpeg', { skip: ffmpegMissing }, () => {
  for (const c of cases) {
    it(`${c.file}: same samples as ffmpeg`, async () => {
      const path = render(c.source ?? SOURCE, join(dir, c.file), ...c.codec);
      const reference = ffmpegDecode(path);
      const source = await openAudio(path);
      const ours = (await decodeRegion(path)).channels;
      assert.equal(source.info.channels, reference.length, 'channels');
      assert.equal(ours.length, reference.length);
      assert.equal(source.info.bitDepth, c.bitDepth, 'bit depth');
      const skip = c.leading ?? 0;
      const refLength = (reference[0]?.length ?? 0) - skip;
      const length = ours[0]?.length ?? 0;
      if (c.ffmpegLonger) assert.ok(length <= refLength && refLength - length <= 2048, `length ${length} vs ffmpeg ${refLength}`);
      else assert.equal(length, refLength, 'length');
      if (source.info.frames !== null) assert.equal(source.info.frames, length, 'header frame count');
      let maxDiff = 0;
      let diffSquares = 0;
      let squares = 0;
      ours.forEach((channel, ch) => {
        const ref = reference[ch] as Float32Array;
        for (let i = 0; i < length - (c.tail ?? 0); i++) {
          const d = Math.abs((channel[i] as number) - (ref[i + skip] as number));
          maxDiff = Math.max(maxDiff, d);
          diffSquares += d * d;
          squares += (ref[i + skip] as number) ** 2;
        }
      });
      if (c.relativeRms === undefined) assert.ok(maxDiff <= c.tolerance, `max difference ${maxDiff} > ${c.tolerance}`);
      else assert.ok(Math.sqrt(diffSquares / squares) <= c.relativeRms, `relative RMS difference ${Math.sqrt(diffSquares / squares)}`);
    });
  }

  it('keeps a stereo MP3 stereo when both channels are identical, and a mono MP3/M4A mono', async () => {
    for (const [file, channels] of [
      ['dual.mp3', 2],
      ['mono.mp3', 1],
      ['mono.m4a', 1],
      ['dual.m4a', 2],
    ] as const) {
      const path = render('sine=f=440:d=1', join(dir, file), '-ac', String(channels));
      assert.equal(probeChannels(path), channels);
      const decoded = await decodeRegion(path);
      assert.equal(decoded.channels.length, channels, file);
    }
  });

  it('finds the channel count of an MP3 behind a large ID3 tag (cover art bigger than the header read)', async () => {
    const cover = join(dir, 'cover.png');
    ffmpeg('-f', 'lavfi', '-i', 'nullsrc=s=400x400,geq=random(1)*255:128:128', '-frames:v', '1', cover);
    const path = join(dir, 'cover.mp3');
    ffmpeg('-f', 'lavfi', '-i', 'sine=d=1', '-i', cover, '-map', '0', '-map', '1', '-c:a', 'libmp3lame', '-c:v', 'png', '-id3v2_version', '3', path);
    const source = await openAudio(path);
    assert.equal(source.info.channels, 1);
    assert.equal((await decodeRegion(path)).channels[0]?.length, ffmpegDecode(path)[0]?.length);
  });

  it('reads a region of a WAV by seeking: the same samples as the whole decode, sliced', async () => {
    const path = render(SOURCE, join(dir, 'region.wav'), '-c:a', 'pcm_s24le');
    const whole = await decodeRegion(path);
    const part = await decodeRegion(path, { start: 0.5, end: 0.75 });
    assert.equal(part.channels[0]?.length, 11025);
    assert.deepEqual(part.channels[1], whole.channels[1]?.slice(22050, 33075));
  });

  it('reads a region of a compressed file by dropping what precedes it', async () => {
    const path = render(SOURCE, join(dir, 'region.flac'), '-c:a', 'flac');
    const whole = await decodeRegion(path);
    const part = await decodeRegion(path, { start: 1, end: null });
    assert.deepEqual(part.channels[0], whole.channels[0]?.slice(44100));
  });

  it("a compressed file's first read continues the decode its opening started, with the samples of a fresh decode", async () => {
    for (const [file, codec] of [
      ['primed.mp3', 'libmp3lame'],
      ['primed.ogg', 'libvorbis'],
      ['primed.flac', 'flac'],
    ] as const) {
      const path = render(SOURCE, join(dir, file), '-c:a', codec);
      const source = await openAudio(path);
      const read = async () => {
        const blocks: Float32Array[] = [];
        for await (const block of source.blocks(0, null)) blocks.push(block[1] as Float32Array);
        return Float32Array.from(blocks.flatMap((b) => Array.from(b)));
      };
      const first = await read(); // the opening's decoder, resumed
      const second = await read(); // a decoder of its own
      assert.ok(first.length > 80000, `${file}: ${first.length} frames`);
      assert.deepEqual(first, second, file);
      // A reader that stops early lets the decode go; the next read starts afresh and is whole.
      for await (const _ of source.blocks(0, null)) break;
      assert.deepEqual(await read(), second, file);
    }
  });

  it('reaches a region one hour into a 4-hour WAV (2.8 GB, sparse) without reading the rest', async () => {
    // A header declaring 4 h of 48 kHz stereo 16-bit, on a sparse file: only the region's bytes are ever read.
    const path = join(dir, 'long.wav');
    ffmpeg('-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo', '-t', '0.01', '-c:a', 'pcm_s16le', '-rf64', 'auto', path);
    const { truncateSync } = await import('node:fs');
    const { readFileSync, writeFileSync } = await import('node:fs');
    const bytes = readFileSync(path);
    const dataAt = bytes.indexOf('data') + 8;
    const frames = 4 * 3600 * 48000;
    const header = Buffer.alloc(dataAt);
    bytes.copy(header, 0, 0, dataAt);
    // RF64: the 32-bit sizes are 0xFFFFFFFF and ds64 holds the real ones; ffmpeg wrote a JUNK placeholder instead.
    header.write('RF64', 0, 'latin1');
    header.writeUInt32LE(0xffffffff, 4);
    const junk = header.indexOf('JUNK');
    assert.ok(junk > 0, 'ffmpeg reserves a JUNK chunk for ds64');
    header.write('ds64', junk, 'latin1');
    header.writeBigUInt64LE(BigInt(dataAt - 8 + frames * 4), junk + 8);
    header.writeBigUInt64LE(BigInt(frames * 4), junk + 16);
    header.writeBigUInt64LE(BigInt(frames), junk + 24);
    header.writeUInt32LE(0xffffffff, dataAt - 4);
    writeFileSync(path, header);
    truncateSync(path, dataAt + frames * 4);
    const started = performance.now();
    const source = await openAudio(path);
    assert.equal(source.info.frames, frames);
    const part = await decodeRegion(path, { start: 3600, end: 3601 });
    assert.equal(part.channels[0]?.length, 48000);
    assert.ok(performance.now() - started < 2000, 'reading one second must not read the file');
  });
});
