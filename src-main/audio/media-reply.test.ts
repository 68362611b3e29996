import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import type { ChosenFile } from '../files/chosen-files';
import { tempDir } from '../test-support/temp-dir';
import { mediaReply } from './media-reply';
import { ffmpegDecode, ffmpegMissing, render } from './testing/ffmpeg';

/**
 * The media route's answer: a file the browser plays is its own bytes; AIFF and CAF (which Chromium does not play)
 * are the app's decode as a 16-bit WAV, with Range requests mapping to exactly those bytes.
 */
const dir = tempDir('diffa-media-');
const SOURCE = 'aevalsrc=0.6*sin(2*PI*440*t)|0.3*sin(2*PI*660*t):s=8000:d=1.5';

const chosen = (path: string, mime: string): ChosenFile => ({ id: 'x', path, name: 'x', size: statSync(path).size, mime });

async function bytes(body: Readable | null): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body ?? []) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('media replies', { skip: ffmpegMissing }, () => {
  it('a WAV is served as it is, with ranges', async () => {
    const path = render(SOURCE, join(dir, 'plain.wav'), '-c:a', 'pcm_s16le');
    const whole = await mediaReply(chosen(path, 'audio/wav'), undefined);
    assert.equal(whole.status, 200);
    assert.deepEqual(await bytes(whole.body), readFileSync(path));
    const part = await mediaReply(chosen(path, 'audio/wav'), 'bytes=10-19');
    assert.deepEqual(await bytes(part.body), readFileSync(path).subarray(10, 20));
  });

  for (const [file, codec] of [
    ['alaw.caf', 'pcm_alaw'],
    ['ulaw.caf', 'pcm_mulaw'],
    ['s24.aiff', 'pcm_s24be'],
  ] as const) {
    it(`${file} is served as a WAV of the same samples, and ranges are exact`, async () => {
      const path = render(SOURCE, join(dir, file), '-c:a', codec);
      const reference = ffmpegDecode(path);
      const whole = await mediaReply(chosen(path, 'audio/x-caf'), undefined);
      assert.equal(whole.status, 200);
      assert.equal(whole.headers['Content-Type'], 'audio/wav');
      const wav = await bytes(whole.body);
      assert.equal(wav.length, Number(whole.headers['Content-Length']));
      assert.equal(wav.toString('latin1', 0, 4), 'RIFF');
      assert.equal(wav.readUInt16LE(22), 2, 'channels');
      assert.equal(wav.readUInt32LE(24), 8000, 'sample rate');
      const frames = (reference[0] as Float32Array).length;
      assert.equal(wav.readUInt32LE(40), frames * 4, 'data size');
      for (let i = 0; i < frames; i++) {
        for (let c = 0; c < 2; c++) {
          const expected = (reference[c] as Float32Array)[i] as number;
          const got = wav.readInt16LE(44 + (i * 2 + c) * 2) / 32768;
          assert.ok(Math.abs(got - expected) <= 1 / 32768, `frame ${i} channel ${c}: ${got} vs ffmpeg ${expected}`);
        }
      }
      for (const [start, end] of [
        [0, 43],
        [40, 47],
        [45, 1000],
        [wav.length - 3, wav.length - 1],
      ] as const) {
        const part = await mediaReply(chosen(path, 'audio/x-caf'), `bytes=${start}-${end}`);
        assert.equal(part.status, 206);
        assert.equal(part.headers['Content-Range'], `bytes ${start}-${end}/${wav.length}`);
        assert.deepEqual(await bytes(part.body), wav.subarray(start, end + 1), `bytes ${start}-${end}`);
      }
      const past = await mediaReply(chosen(path, 'audio/x-caf'), `bytes=${wav.length}-`);
      assert.equal(past.status, 416);
    });
  }
});
