import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as fc from 'fast-check';
import { ffmpegMissing, render } from '../audio/testing/ffmpeg';
import { sniffAudioContainer } from '../files/sniff';
import { tempDir } from '../test-support/temp-dir';
import { fuzzParameters, fuzzWorker, type GuardedReply, GuardedWorker } from './fuzz-support';
import type { DecodeJob, DecodeResult } from './workers/decode-worker';

/**
 * The decoders' front door (sniff → openAudio → decodeRegion) under random and mutated headers of real files made
 * by ffmpeg: every input decodes or fails with an ApiError; none hangs (5 s per input, in a worker that is replaced
 * when it does) and none crashes the worker.
 */
const dir = tempDir('diffa-fuzz-audio-');
const PER_INPUT_MS = 5000;
const seeds: { name: string; bytes: Buffer }[] = [];
let worker: GuardedWorker<DecodeJob, DecodeResult>;
let counter = 0;

before(() => {
  worker = new GuardedWorker(fuzzWorker('decode-worker.ts'), PER_INPUT_MS);
  if (ffmpegMissing) return;
  const tone = 'sine=f=440:d=0.3:r=16000';
  const make = (name: string, ...codec: string[]) => seeds.push({ name, bytes: readFileSync(render(tone, join(dir, name), ...codec)) });
  make('seed.wav', '-c:a', 'pcm_s16le');
  make('seed-f32.wav', '-c:a', 'pcm_f32le', '-ac', '2');
  make('seed.aiff', '-c:a', 'pcm_s16be');
  make('seed.flac', '-c:a', 'flac');
  make('seed.mp3', '-c:a', 'libmp3lame', '-b:a', '32k');
  make('seed.ogg', '-c:a', 'libvorbis');
  make('seed.opus', '-c:a', 'libopus', '-b:a', '16k', '-ar', '48000');
  make('seed.m4a', '-c:a', 'aac', '-b:a', '24k');
  make('seed-faststart.m4a', '-c:a', 'aac', '-b:a', '24k', '-movflags', '+faststart');
  make('seed.webm', '-c:a', 'libopus', '-b:a', '16k', '-ar', '48000');
  make('seed.caf', '-c:a', 'pcm_s16le');
});
after(() => worker.close());

async function decode(bytes: Uint8Array, ext: string): Promise<GuardedReply<DecodeResult>> {
  const path = join(dir, `input-${counter++}.${ext}`);
  writeFileSync(path, bytes);
  return worker.run({ path });
}

/** The property every input must have. */
function assertClean(reply: GuardedReply<DecodeResult>, what: string): void {
  if ('hang' in reply) assert.fail(`${what}: no answer after ${reply.ms} ms (hang)`);
  if ('crashed' in reply) assert.fail(`${what}: the decoder crashed its thread: ${reply.crashed}`);
  if (!reply.ok) {
    assert.ok(reply.error.apiCode, `${what}: threw ${reply.error.name}: ${reply.error.message}\n${reply.error.stack ?? ''}`);
    assert.ok(['bad_audio', 'not_found', 'bad_request', 'unsupported'].includes(reply.error.apiCode), `${what}: code ${reply.error.apiCode}`);
    assert.match(reply.error.message, /^(Cannot read input-\d+\.\w+: |Invalid region|The region starts)/, `${what}: a message that names the file`);
  } else {
    // what audio.describe may report: its schema wants a positive (safe) integer
    assert.ok(Number.isSafeInteger(reply.result.sampleRate) && reply.result.sampleRate > 0, `${what}: sample rate ${reply.result.sampleRate}`);
    assert.ok(reply.result.channels >= 1, `${what}: ${reply.result.channels} channels`);
  }
}

const extOf = (name: string) => name.split('.').pop() as string;
const seedIndex = () => fc.nat({ max: Math.max(0, seeds.length - 1) });
const MAGIC = [
  'RIFF\0\0\0\0WAVEfmt ',
  'FORM\0\0\0\0AIFFCOMM',
  'fLaC\0\0\0"',
  'OggS\0\x02',
  'ID3\x04\0\0\0\0\0\0',
  '\xff\xfb\x90\x64',
  '\xff\xf1\x50\x80',
  'caff\0\x01\0\0',
  '\0\0\0\x18ftypM4A ',
  '\x1a\x45\xdf\xa3',
];

describe('fuzz: audio decoders front door', { skip: ffmpegMissing }, () => {
  it('the seeds themselves decode', async () => {
    for (const seed of seeds) {
      const reply = await decode(seed.bytes, extOf(seed.name));
      assert.ok('ok' in reply && reply.ok, `${seed.name}: ${JSON.stringify(reply)}`);
    }
  });

  it('header bytes and 32-bit fields overwritten', async () => {
    const edit = fc.oneof(
      fc.record({ at: fc.nat({ max: 255 }), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ at: fc.nat({ max: 252 }), u32: fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 44, 0x10000) }),
    );
    await fc.assert(
      fc.asyncProperty(seedIndex(), fc.array(edit, { minLength: 1, maxLength: 8 }), async (index, edits) => {
        const seed = seeds[index] as (typeof seeds)[number];
        const bytes = Buffer.from(seed.bytes);
        for (const e of edits) {
          if ('byte' in e) {
            if (e.at < bytes.length) bytes[e.at] = e.byte;
          } else if (e.at + 4 <= bytes.length) bytes.writeUInt32LE(e.u32, e.at);
        }
        assertClean(await decode(bytes, extOf(seed.name)), `${seed.name} with ${JSON.stringify(edits)}`);
      }),
      fuzzParameters(80, PER_INPUT_MS + 1000),
    );
  });

  it('bytes anywhere overwritten (container boxes and codec headers past the start: moov/esds, Vorbis setup, …)', async () => {
    const edit = fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }) });
    await fc.assert(
      fc.asyncProperty(seedIndex(), fc.array(edit, { minLength: 1, maxLength: 16 }), async (index, edits) => {
        const seed = seeds[index] as (typeof seeds)[number];
        const bytes = Buffer.from(seed.bytes);
        const places = edits.map(({ at, bytes: value }) => {
          const offset = Math.floor(at * bytes.length);
          bytes.set(value.subarray(0, bytes.length - offset), offset);
          return [offset, [...value]];
        });
        assertClean(await decode(bytes, extOf(seed.name)), `${seed.name} with ${JSON.stringify(places)}`);
      }),
      fuzzParameters(60, PER_INPUT_MS + 1000),
    );
  });

  it('cut at any length, or spliced onto another file', async () => {
    await fc.assert(
      fc.asyncProperty(seedIndex(), seedIndex(), fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean(), async (a, b, cut, splice) => {
        const first = seeds[a] as (typeof seeds)[number];
        const second = seeds[b] as (typeof seeds)[number];
        const at = Math.floor(first.bytes.length * cut);
        const bytes = splice
          ? Buffer.concat([first.bytes.subarray(0, at), second.bytes.subarray(Math.floor(second.bytes.length * cut))])
          : first.bytes.subarray(0, at);
        assertClean(await decode(bytes, extOf(first.name)), `${first.name} cut at ${at}${splice ? ` + ${second.name}` : ''}`);
      }),
      fuzzParameters(60, PER_INPUT_MS + 1000),
    );
  });

  it('a known magic number followed by random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...MAGIC), fc.uint8Array({ maxLength: 600 }), async (magic, rest) => {
        const bytes = Buffer.concat([Buffer.from(magic, 'latin1'), rest]);
        assertClean(await decode(bytes, 'wav'), `${JSON.stringify(magic)} + ${rest.length} random bytes`);
      }),
      fuzzParameters(60, PER_INPUT_MS + 1000),
    );
  });

  it('found while fuzzing: an M4A cut inside an AAC config that asks for an explicit sample rate is bad_audio, not a RangeError', async () => {
    const seed = seeds.find((s) => s.name === 'seed-faststart.m4a');
    assert.ok(seed);
    const esds = seed.bytes.indexOf('esds');
    let tag = seed.bytes.indexOf(0x04, esds + 8);
    while (seed.bytes[tag] !== 0x05) tag++;
    let next = tag + 1;
    for (let i = 0; i < 4 && ((seed.bytes[next++] as number) & 0x80) !== 0; i++);
    for (const keep of [3, 4, 5, 6]) {
      const bytes = Buffer.from(seed.bytes.subarray(0, next + keep));
      bytes[next] = (bytes[next] as number) | 0x07; // frequency index 15: a 24-bit rate follows
      bytes[next + 1] = (bytes[next + 1] as number) | 0x80;
      assertClean(await decode(bytes, 'm4a'), `cut ${keep} bytes into the AudioSpecificConfig`);
    }
  });

  it('found while fuzzing: an AIFF whose 80-bit sample rate is Infinity, NaN or beyond 32 bits is bad_audio', async () => {
    const seed = seeds.find((s) => s.name === 'seed.aiff');
    assert.ok(seed);
    const rate = seed.bytes.indexOf('COMM') + 16;
    for (const patch of [
      [0x7f, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0],
      [0x7f, 0xff, 0, 0, 0, 0, 0, 0, 0, 0],
      [0x40, 0x40, 0xff, 0xff, 0, 0, 0, 0, 0, 0],
    ]) {
      const bytes = Buffer.from(seed.bytes);
      Buffer.from(patch).copy(bytes, rate);
      const reply = await decode(bytes, 'aiff');
      assertClean(reply, `sample rate bytes ${patch}`);
      assert.ok('ok' in reply && !reply.ok && /sample rate of .* Hz/.test(reply.error.message), JSON.stringify(reply));
    }
  });

  it('found while fuzzing: a CAF whose float64 sample rate is not a whole number reports a whole one', async () => {
    const seed = seeds.find((s) => s.name === 'seed.caf');
    assert.ok(seed);
    const bytes = Buffer.from(seed.bytes);
    bytes[23] = 1; // low byte of the big-endian double at 20: 16000 → 16000.0078125
    const reply = await decode(bytes, 'caf');
    assertClean(reply, 'CAF at 16000.0078125 Hz');
    assert.ok('ok' in reply && reply.ok && reply.result.sampleRate === 16000, JSON.stringify(reply));
  });

  it('sniffing never throws, on any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (head) => {
        const found = sniffAudioContainer(head);
        assert.ok(found === null || typeof found === 'string');
      }),
      fuzzParameters(500),
    );
  });
});
