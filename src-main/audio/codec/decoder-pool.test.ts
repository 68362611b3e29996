import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeChunked } from 'audio-decode/stream';
import { tempDir } from '../../test-support/temp-dir';
import { ffmpegMissing, render } from '../testing/ffmpeg';
import { decodeWithPool, idleDecoders, prepareDecoders, releaseIdleDecoders } from './decoder-pool';
import { createFileDecoder, isWholeOggStream, type ReusableFormat } from './reusable-decoders';

/**
 * A recycled decoder must decode the next file exactly as a new one does, whatever the last file was: another
 * channel count or rate, a long file, a read that stopped halfway. The reference is audio-decode's own streaming
 * decode, a new WASM instance per file (what the app did before the pool).
 */
const dir = tempDir('diffa-decoder-pool-');
const tone = (rate: number, layout: 'mono' | 'stereo', seconds: number) =>
  `aevalsrc=0.4*sin(2*PI*440*t)+0.05*sin(2*PI*3000*t)${layout === 'stereo' ? '|0.3*sin(2*PI*660*t)' : ''}:s=${rate}:d=${seconds}`;

async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/** Each channel's samples as bytes (compared whole: bit for bit, and fast). */
function joined(chunks: { channelData: Float32Array[] }[]): Buffer[] {
  const channels = chunks[0]?.channelData.length ?? 0;
  return Array.from({ length: channels }, (_, c) =>
    Buffer.concat(
      chunks.map(({ channelData }) => {
        const data = channelData[c] as Float32Array;
        return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      }),
    ),
  );
}

async function fresh(bytes: Uint8Array, format: ReusableFormat, chunk: number): Promise<Buffer[]> {
  const out: { channelData: Float32Array[] }[] = [];
  for await (const decoded of decodeChunked(chunksOf(bytes, chunk), format)) if ((decoded.channelData[0]?.length ?? 0) > 0) out.push(decoded);
  return joined(out);
}

async function pooled(bytes: Uint8Array, format: ReusableFormat, chunk: number, stopAfter = Number.POSITIVE_INFINITY): Promise<Buffer[]> {
  const out: { channelData: Float32Array[] }[] = [];
  for await (const decoded of decodeWithPool(chunksOf(bytes, chunk), format)) {
    out.push(decoded);
    if (out.length >= stopAfter) break;
  }
  return joined(out);
}

describe('decoder pool', { skip: ffmpegMissing }, () => {
  const files = {
    mp3: [
      render(tone(44100, 'stereo', 2), join(dir, 'a.mp3'), '-c:a', 'libmp3lame', '-b:a', '192k'),
      render(tone(16000, 'mono', 3), join(dir, 'b.mp3'), '-c:a', 'libmp3lame', '-q:a', '4'),
      render(tone(48000, 'stereo', 10), join(dir, 'long.mp3'), '-c:a', 'libmp3lame', '-b:a', '128k'),
    ],
    oga: [
      render(tone(44100, 'stereo', 2), join(dir, 'a.ogg'), '-c:a', 'libvorbis'),
      render(tone(16000, 'mono', 3), join(dir, 'b.ogg'), '-c:a', 'libvorbis'),
      render(tone(48000, 'stereo', 10), join(dir, 'long.ogg'), '-c:a', 'libvorbis'),
    ],
  } as const;

  for (const format of ['mp3', 'oga'] as const) {
    it(`${format}: every file decodes as with a new decoder, after any other, whole or cut short`, async () => {
      releaseIdleDecoders();
      const bytes = files[format].map((path) => new Uint8Array(readFileSync(path)));
      // Whole files in one chunk (how a short file arrives) and in 16 KiB chunks (how a long one streams).
      for (const chunk of [1 << 30, 16 << 10]) {
        const expected = await Promise.all(bytes.map((b) => fresh(b, format, chunk)));
        const order = [0, 1, 2, 1, 0, 2, 0, 1];
        for (const [step, index] of order.entries()) {
          const got = await pooled(bytes[index] as Uint8Array, format, chunk);
          const want = expected[index] as Buffer[];
          assert.equal(got.length, want.length, `${format}, chunk ${chunk}, file ${index} at step ${step}: channels`);
          for (const [c, channel] of got.entries()) {
            assert.ok(channel.equals(want[c] as Buffer), `${format}, chunk ${chunk}, file ${index} at step ${step}, channel ${c}`);
          }
          // A read that stops after its first decoded chunk, as a region read does: the next file must not notice.
          await pooled(bytes[(index + 1) % bytes.length] as Uint8Array, format, chunk, 1);
        }
      }
    });
  }

  it('keeps an mp3 decoder between files, and a Vorbis one after a whole stream read at once', async () => {
    releaseIdleDecoders();
    const mp3 = new Uint8Array(readFileSync(files.mp3[1]));
    await pooled(mp3, 'mp3', 1 << 30);
    assert.equal(idleDecoders('mp3'), 1);
    await pooled(mp3, 'mp3', 1 << 30);
    assert.equal(idleDecoders('mp3'), 1, 'the second file reused the first one’s decoder');
    const ogg = new Uint8Array(readFileSync(files.oga[1]));
    await pooled(ogg, 'oga', 1 << 30);
    assert.equal(idleDecoders('oga'), 1);
    await pooled(ogg, 'oga', 4096);
    assert.equal(idleDecoders('oga'), 0, 'a stream decoded in parts cannot be recycled: freed');
    releaseIdleDecoders();
    assert.equal(idleDecoders('mp3'), 0);
  });

  it('prepares one decoder of each format ahead of the first file, and that decoder decodes as a new one', async () => {
    releaseIdleDecoders();
    await prepareDecoders();
    assert.equal(idleDecoders('mp3'), 1);
    assert.equal(idleDecoders('oga'), 1);
    for (const format of ['mp3', 'oga'] as const) {
      const bytes = new Uint8Array(readFileSync(files[format][0]));
      assert.deepEqual(await pooled(bytes, format, 1 << 30), await fresh(bytes, format, 1 << 30), format);
      assert.equal(idleDecoders(format), 1, `${format}: the prepared decoder was used and kept`);
    }
    releaseIdleDecoders();
  });

  it('frees a decoder that failed instead of keeping it', async () => {
    releaseIdleDecoders();
    const decoder = await createFileDecoder('oga');
    decoder.free();
    const garbage = new Uint8Array(4096).fill(0x4f);
    const bad = async function* () {
      yield garbage;
      throw new Error('read failed');
    };
    await assert.rejects(async () => {
      for await (const _ of decodeWithPool(bad(), 'mp3')) {
        /* nothing decodes */
      }
    }, /read failed/);
    assert.equal(idleDecoders('mp3'), 0);
  });

  it('tells a whole Ogg stream from a part of one', () => {
    const ogg = new Uint8Array(readFileSync(files.oga[0]));
    assert.equal(isWholeOggStream(ogg), true);
    assert.equal(isWholeOggStream(ogg.subarray(0, ogg.length - 1)), false, 'truncated');
    assert.equal(isWholeOggStream(ogg.subarray(0, 4096)), false, 'first pages only');
    const twice = new Uint8Array(ogg.length * 2);
    twice.set(ogg);
    twice.set(ogg, ogg.length);
    assert.equal(isWholeOggStream(twice), false, 'chained streams');
  });
});
