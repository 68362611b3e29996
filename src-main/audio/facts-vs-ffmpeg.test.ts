import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../test-support/temp-dir';
import { measureFacts } from './analyze';
import { openAudio } from './open-audio';
import { ffmpegMeasure, ffmpegMissing, render } from './testing/ffmpeg';

/** Measured facts agree with ffmpeg's astats (peak, RMS, DC) and ebur128 (integrated loudness, true peak). */
const dir = tempDir('diffa-facts-');
const signals = [
  { name: 'sine at −6 dBFS', file: 'sine.wav', source: 'aevalsrc=0.5*sin(2*PI*997*t):s=48000:d=5', codec: ['-c:a', 'pcm_s24le'] },
  { name: 'pink noise', file: 'pink.wav', source: 'anoisesrc=color=pink:amplitude=0.3:d=8:seed=7:r=48000', codec: ['-c:a', 'pcm_f32le'] },
  { name: 'clipped sine', file: 'clipped.wav', source: 'aevalsrc=clip(1.5*sin(2*PI*1000*t)\\,-1\\,1):s=48000:d=3', codec: ['-c:a', 'pcm_s16le'] },
  {
    name: 'stereo with DC (44.1 kHz)',
    file: 'dc.wav',
    source: 'aevalsrc=0.3*sin(2*PI*440*t)+0.1|0.3*sin(2*PI*660*t)-0.05:s=44100:d=5',
    codec: ['-c:a', 'pcm_f32le'],
  },
  // A-law and µ-law in CAF once read 18 dB low (through a decoder that mis-scaled G.711); AIFF-C was right.
  { name: 'A-law in CAF', file: 'alaw.caf', source: 'aevalsrc=0.64*sin(2*PI*440*t):s=8000:d=3', codec: ['-c:a', 'pcm_alaw'] },
  { name: 'µ-law in CAF (stereo)', file: 'ulaw.caf', source: 'aevalsrc=0.5*sin(2*PI*440*t)|0.2*sin(2*PI*300*t):s=16000:d=3', codec: ['-c:a', 'pcm_mulaw'] },
  {
    name: 'an MP3 (decoded samples)',
    file: 'music.mp3',
    source: 'anoisesrc=color=brown:amplitude=0.4:d=6:seed=3:r=44100',
    codec: ['-ac', '2', '-c:a', 'libmp3lame'],
  },
];

const within = (actual: number | null, expected: number, tolerance: number, what: string) =>
  assert.ok(actual !== null && Math.abs(actual - expected) <= tolerance, `${what}: ours ${actual}, ffmpeg ${expected} (± ${tolerance})`);

describe('measured facts against ffmpeg astats and ebur128', { skip: ffmpegMissing }, () => {
  for (const signal of signals) {
    it(signal.name, async () => {
      const path = render(signal.source, join(dir, signal.file), ...signal.codec);
      const reference = ffmpegMeasure(path);
      const facts = await measureFacts(await openAudio(path), 0, null);
      within(facts.peakDbfs, reference.overall.peakDb, 0.1, 'sample peak dBFS');
      within(facts.rmsDbfs, reference.overall.rmsDb, 0.1, 'RMS dBFS');
      within(facts.lufs, reference.lufs, 0.2, 'integrated loudness LUFS');
      within(facts.truePeakDbtp, reference.truePeakDb, 0.1, 'true peak dBTP');
      reference.channels.forEach((channel, c) => {
        within(facts.perChannel[c]?.dcOffset ?? null, channel.dcOffset, 1e-5, `DC offset, channel ${c + 1}`);
        within(facts.perChannel[c]?.peakDbfs ?? null, channel.peakDb, 0.1, `peak, channel ${c + 1}`);
        within(facts.perChannel[c]?.rmsDbfs ?? null, channel.rmsDb, 0.1, `RMS, channel ${c + 1}`);
      });
      if (signal.file === 'clipped.wav') assert.equal(facts.clippedRuns, 6000, 'one run per half cycle: 2 × 1000 Hz × 3 s');
      else assert.equal(facts.clippedRuns, 0);
    });
  }
});
