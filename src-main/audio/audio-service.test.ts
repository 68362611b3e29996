import assert from 'node:assert/strict';
import { readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ApiError } from '../../src-common/api/errors';
import type { PeaksProgress } from '../../src-common/audio/schemas';
import { AppEvents } from '../api/app-events';
import { dispatch } from '../api/dispatch';
import type { AppServices } from '../api/handlers';
import { ChosenFiles } from '../files/chosen-files';
import { tempDir } from '../test-support/temp-dir';
import { sineWav } from '../test-support/wav';
import { audioHandlers } from './api-handlers';
import { AudioService } from './audio-service';
import { decodeRegion } from './decode';
import { ffmpegDecode, ffmpegMissing, render } from './testing/ffmpeg';

const userDir = tempDir('diffa-user-files-');
const home = tempDir('diffa-home-');
const cacheDir = join(home, 'cache');

function stereoWav(path: string, seconds: number): string {
  const rate = 8000;
  const frames = seconds * rate;
  const data = Buffer.alloc(frames * 4);
  for (let i = 0; i < frames; i++) {
    data.writeInt16LE(Math.round(16000 * Math.sin(i / 10) * (i / frames)), 4 * i);
    data.writeInt16LE(Math.round(-8000 * Math.cos(i / 3)), 4 * i + 2);
  }
  const header = Buffer.from(sineWav(0, 440, rate).subarray(0, 44));
  header.writeUInt16LE(2, 22);
  header.writeUInt32LE(rate * 4, 28);
  header.writeUInt16LE(4, 32);
  header.writeUInt32LE(36 + data.length, 4);
  header.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([header, data]));
  return path;
}

describe('audio service', () => {
  const wav = stereoWav(join(userDir, 'take.wav'), 20);

  it('computes peaks once in a worker with progress, caches them under the app home and nowhere else', async () => {
    const events: PeaksProgress[] = [];
    const service = new AudioService(cacheDir, (p) => events.push(p));
    const peaks = await service.peaks(wav, 'file-1', { start: 0, width: 1000 });
    assert.equal(peaks.duration, 20);
    assert.equal(peaks.sampleRate, 8000);
    assert.equal(peaks.samplesPerPeak, 256);
    assert.equal(peaks.channels.length, 2);
    assert.equal(peaks.channels[0]?.min.length, 625);
    const last = events[events.length - 1];
    assert.deepEqual(last, { id: 'file-1', fraction: 1, done: true });
    assert.ok(
      events.some((e) => !e.done && e.fraction > 0),
      'progress while running',
    );
    assert.deepEqual(readdirSync(userDir), ['take.wav'], 'nothing written next to the user file');
    assert.equal(readdirSync(join(cacheDir, 'peaks')).filter((n) => n.endsWith('.peaks')).length, 1);

    // A new service (a restarted app) reads the disk cache: no worker, no progress beyond "done".
    const again: PeaksProgress[] = [];
    const restarted = new AudioService(cacheDir, (p) => again.push(p));
    const started = performance.now();
    assert.deepEqual(await restarted.peaks(wav, 'file-1', { start: 0, width: 1000 }), peaks);
    assert.ok(performance.now() - started < 300, 'cached reopen is fast');
    assert.deepEqual(again, [{ id: 'file-1', fraction: 1, done: true }]);
  });

  it('recomputes when the file changes (size or modification time)', async () => {
    const service = new AudioService(cacheDir);
    const path = stereoWav(join(userDir, 'edit.wav'), 2);
    const before = await service.describe(path);
    await service.peaks(path, 'x', { start: 0, width: 100 });
    stereoWav(path, 3);
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    const after = await service.peaks(path, 'x', { start: 0, width: 100 });
    assert.equal(before.duration, 2);
    assert.equal(after.duration, 3);
  });

  it('serves a window of peaks that matches the samples', async () => {
    const service = new AudioService(cacheDir);
    const window = await service.peaks(wav, 'x', { start: 5, end: 6, width: 31 });
    assert.equal(window.samplesPerPeak, 256);
    const firstFrame = Math.round(window.start * 8000);
    assert.equal(firstFrame % 256, 0);
    assert.ok(window.start <= 5 && window.start > 5 - 256 / 8000);
    const decoded = await decodeRegion(wav, { start: window.start, end: window.start + 256 / 8000 });
    const right = decoded.channels[1] as Float32Array;
    assert.ok(Math.abs((window.channels[1]?.min[0] ?? 0) - Math.min(...right)) < 2e-4);
    assert.ok(Math.abs((window.channels[1]?.max[0] ?? 0) - Math.max(...right)) < 2e-4);
    await assert.rejects(service.peaks(wav, 'x', { start: 0, width: 10, samplesPerPeak: 300 }), /No peaks level of 300 samples/);
  });

  it('returns bounded windows of native samples as base64 Float32, per channel or mixed', async () => {
    const service = new AudioService(cacheDir);
    const reply = await service.samples(wav, { start: 1, end: 1.5, channel: 'all' });
    assert.equal(reply.frames, 4000);
    const left = new Float32Array(new Uint8Array(Buffer.from(reply.channels[0] ?? '', 'base64')).buffer);
    assert.deepEqual(left, (await decodeRegion(wav, { start: 1, end: 1.5 })).channels[0]);
    const mix = await service.samples(wav, { start: 1, end: 1.5, channel: 'mix' });
    assert.equal(mix.channels.length, 1);
    await assert.rejects(service.samples(wav, { start: 0, end: 31, channel: 'all' }), /at most 30 s/);
    await assert.rejects(service.samples(wav, { start: 0, end: 1, channel: 2 }), /has 2 channel\(s\); there is no channel 2/);
  });

  it('describes compressed files exactly once the peaks pass has counted their frames', { skip: ffmpegMissing }, async () => {
    const service = new AudioService(cacheDir);
    const mp3 = render('sine=f=440:d=3', join(userDir, 'tone.mp3'), '-ac', '2', '-c:a', 'libmp3lame');
    const exact = (await decodeRegion(mp3, { start: 1, end: 1.25 })).channels[1] as Float32Array;
    const right = async () => {
      const window = await service.samples(mp3, { start: 1, end: 1.25, channel: 1 });
      return new Float32Array(new Uint8Array(Buffer.from(window.channels[0] ?? '', 'base64')).buffer);
    };
    // Before the peaks pass, a compressed window is decoded in the worker: exactly a direct decode of the region.
    assert.deepEqual(await right(), exact);
    const description = await service.describe(mp3);
    assert.equal(description.frames, ffmpegDecode(mp3)[0]?.length);
    assert.equal(description.channels, 2);
    assert.equal(description.bitDepth, null);
    assert.equal(description.codec, 'MP3');
    // After it, windows are read from the 16-bit decoded copy in the cache: the same samples to 1 LSB of 16 bits.
    assert.equal(readdirSync(join(cacheDir, 'decoded')).filter((n) => n.endsWith('.wav')).length, 1);
    const fromCopy = await right();
    assert.equal(fromCopy.length, exact.length);
    assert.ok(fromCopy.every((v, i) => Math.abs(v - (exact[i] as number)) <= 1 / 32768));
  });

  it('through the API handlers: files by id only, facts of a region, bad files with a clear error', async () => {
    const events = new AppEvents();
    const seen: unknown[] = [];
    events.onAny((event, data) => seen.push({ event, data }));
    const files = new ChosenFiles((id) => `/media/${id}`);
    const audio = new AudioService(cacheDir, (progress) => events.emit('audio.peaksProgress', progress));
    const services = { home: { cache: cacheDir }, files, events, audio } as unknown as AppServices;
    const handlers = audioHandlers(services);
    const ref = await files.add(wav);
    const described = await handlers['audio.describe']({ id: ref.id });
    assert.deepEqual(
      { duration: described.duration, channels: described.channels, bitDepth: described.bitDepth, codec: described.codec },
      { duration: 20, channels: 2, bitDepth: 16, codec: 'PCM 16-bit' },
    );
    const facts = await handlers['audio.facts']({ id: ref.id, start: 10, end: 12 });
    assert.equal(facts.duration, 2);
    assert.equal(facts.start, 10);
    assert.ok(facts.lufs !== null && facts.peakDbfs !== null);
    await assert.rejects(handlers['audio.facts']({ id: 'nope' }), (e: unknown) => e instanceof ApiError && e.code === 'not_found');

    const broken = join(userDir, 'broken.wav');
    writeFileSync(broken, sineWav(1).subarray(0, 100));
    const bad = await files.add(broken);
    writeFileSync(broken, Buffer.from('RIFF\0\0\0\0WAVEjunk'));
    await assert.rejects(handlers['audio.peaks']({ id: bad.id, start: 0, width: 100 }), /Cannot read broken\.wav: no fmt chunk/);
    assert.ok(
      seen.some((e) => JSON.stringify(e).includes('"error":"Cannot read broken.wav')),
      'a failed peaks pass says so in its progress event',
    );
  });
});

describe('audio methods through the contract', () => {
  it('params and results of every audio.* method pass the contract schemas (as every transport checks them)', async () => {
    const files = new ChosenFiles((id) => `/media/${id}`);
    const events = new AppEvents();
    const audio = new AudioService(cacheDir, (progress) => events.emit('audio.peaksProgress', progress));
    const services = { home: { cache: cacheDir }, files, events, audio } as unknown as AppServices;
    const handlers = audioHandlers(services) as unknown as Parameters<typeof dispatch>[0];
    const { id } = await files.add(stereoWav(join(userDir, 'contract.wav'), 3));
    let n = 0;
    const call = async (method: string, params: unknown) => {
      const reply = await dispatch(handlers, { type: 'request', id: ++n, method, params });
      assert.ok(reply.ok, `${method}: ${JSON.stringify(reply)}`);
      return reply.result as Record<string, unknown>;
    };
    assert.equal((await call('audio.describe', { id })).duration, 3);
    assert.equal((await call('audio.peaks', { id, start: 1, end: 2, width: 100 })).samplesPerPeak, 256);
    assert.equal((await call('audio.samples', { id, start: 0, end: 0.5, channel: 'mix' })).frames, 4000);
    assert.equal((await call('audio.facts', { id })).channels, 2);
    const refused = await dispatch(handlers, { type: 'request', id: 99, method: 'audio.samples', params: { id, start: 0 } });
    assert.equal(refused.ok, false);
  });
});

describe('peaks cache size', () => {
  it('drops the least recently used peaks files past the limit', async () => {
    const { prunePeaksCache } = await import('./peaks-cache-prune');
    const dir = tempDir('diffa-prune-');
    for (const [name, age] of [
      ['old.peaks', 300],
      ['mid.peaks', 200],
      ['new.peaks', 100],
    ] as const) {
      writeFileSync(join(dir, name), Buffer.alloc(1000));
      const when = new Date(Date.now() - age * 1000);
      utimesSync(join(dir, name), when, when);
    }
    writeFileSync(join(dir, 'notes.txt'), 'not ours');
    await prunePeaksCache(dir, 2000);
    assert.deepEqual(readdirSync(dir).sort(), ['mid.peaks', 'new.peaks', 'notes.txt']);
  });
});
