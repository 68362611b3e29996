import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ApiError } from '../../src-common/api/errors';
import { tempDir } from '../test-support/temp-dir';
import { sineWav } from '../test-support/wav';
import { decodeRegion } from './decode';
import { openAudio } from './open-audio';
import { ffmpegMissing, render } from './testing/ffmpeg';

/** Unreadable, empty, cut, unsupported and non-audio files fail with an ApiError that names the file and the problem. */
const dir = tempDir('diffa-bad-audio-');
const file = (name: string, bytes: Uint8Array | string) => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};

async function rejects(path: string, code: string, pattern: RegExp) {
  await assert.rejects(
    openAudio(path).then((source) => decodeRegion(source.path)),
    (error: unknown) => {
      assert.ok(error instanceof ApiError, `an ApiError, not ${error}`);
      assert.equal(error.code, code);
      assert.match(error.message, pattern);
      return true;
    },
  );
}

describe('bad audio input', () => {
  it('a missing file', () => rejects(join(dir, 'gone.wav'), 'not_found', /gone\.wav: the file does not exist/));
  it('a folder', () => {
    mkdirSync(join(dir, 'folder.wav'));
    return rejects(join(dir, 'folder.wav'), 'bad_audio', /folder\.wav: it is not a regular file/);
  });
  it('a zero-length file', () => rejects(file('empty.wav', ''), 'bad_audio', /empty\.wav: the file is empty/));
  it('a text file', () => rejects(file('notes.mp3', 'just some notes\n'), 'bad_audio', /notes\.mp3: not an audio format/));
  it('a WAV cut inside its header', () => rejects(file('cut.wav', sineWav(1).subarray(0, 30)), 'bad_audio', /cut\.wav: .*(truncated|cut short)/));
  it('a WAV with an unsupported sample format', () => {
    const bytes = Buffer.from(sineWav(0.1));
    bytes.writeUInt16LE(0x0055, 20); // MPEG layer 3 inside RIFF
    return rejects(file('mp3-in-riff.wav', bytes), 'bad_audio', /mp3-in-riff\.wav: WAV sample format 0x55/);
  });
  it('a WAV whose data is cut short is read up to the cut, with a warning', async () => {
    const path = file('short-data.wav', sineWav(1, 440, 16000).subarray(0, 44 + 2 * 8000));
    const source = await openAudio(path);
    assert.equal(source.info.frames, 8000);
    assert.match(source.info.warning ?? '', /truncated/);
  });
  it('an AIFF-C with a compression it cannot read', async () => {
    const comm = Buffer.alloc(8 + 22);
    comm.write('COMM', 0, 'latin1');
    comm.writeUInt32BE(22, 4);
    comm.writeUInt16BE(1, 8);
    comm.writeUInt16BE(16, 14);
    comm.write('DWVW', 26, 'latin1');
    const form = Buffer.concat([Buffer.from('FORM\0\0\0\0AIFC', 'latin1'), comm]);
    await rejects(file('dwvw.aifc', form), 'bad_audio', /dwvw\.aifc: AIFF-C compression "DWVW" is not supported/);
  });
  it('files with a header and no samples say they are empty (made by sox: WAV, AIFF, CAF)', { skip: ffmpegMissing }, async () => {
    for (const name of ['silence.wav', 'silence.aiff', 'silence.caf']) {
      const path = join(dir, name);
      execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', path, 'trim', '0', '0']);
      await rejects(path, 'bad_audio', new RegExp(`${name.replace('.', '\\.')}: the file is empty`));
    }
  });
  it('impossible WAV headers: sample rate 0 or above 768 kHz, 0 or more than 64 channels', async () => {
    const patched = (name: string, edit: (bytes: Buffer) => void) => {
      const bytes = Buffer.from(sineWav(0.1));
      edit(bytes);
      return file(name, bytes);
    };
    await rejects(
      patched('rate0.wav', (b) => b.writeUInt32LE(0, 24)),
      'bad_audio',
      /rate0\.wav: the header says a sample rate of 0 Hz/,
    );
    await rejects(
      patched('rate-max.wav', (b) => b.writeUInt32LE(0xffffffff, 24)),
      'bad_audio',
      /rate-max\.wav: the header says a sample rate of 4294967295 Hz \(audio is 1 Hz to 768 kHz\)/,
    );
    await rejects(
      patched('rate768k1.wav', (b) => b.writeUInt32LE(768001, 24)),
      'bad_audio',
      /sample rate of 768001 Hz/,
    );
    await rejects(
      patched('ch0.wav', (b) => b.writeUInt16LE(0, 22)),
      'bad_audio',
      /ch0\.wav: the header says 0 channels/,
    );
    await rejects(
      patched('ch65.wav', (b) => b.writeUInt16LE(65, 22)),
      'bad_audio',
      /ch65\.wav: the header says 65 channels \(an audio file has 1 to 64\)/,
    );
    const highest = await openAudio(patched('rate768k.wav', (b) => b.writeUInt32LE(768000, 24)));
    assert.equal(highest.info.sampleRate, 768000);
    const lowest = await openAudio(patched('rate1.wav', (b) => b.writeUInt32LE(1, 24)));
    assert.match(lowest.info.warning ?? '', /1 Hz, far below any audio rate/);
  });
  it('impossible AIFF and CAF headers (made by ffmpeg, then patched)', { skip: ffmpegMissing }, async () => {
    const aiff = readFileSync(render('sine=d=0.1', join(dir, 'ok.aiff'), '-c:a', 'pcm_s16be'));
    const comm = aiff.indexOf('COMM') + 8;
    const badChannels = Buffer.from(aiff);
    badChannels.writeUInt16BE(65, comm);
    await rejects(file('ch65.aiff', badChannels), 'bad_audio', /ch65\.aiff: the header says 65 channels/);
    const zeroRate = Buffer.from(aiff);
    zeroRate.fill(0, comm + 8, comm + 18);
    await rejects(file('rate0.aiff', zeroRate), 'bad_audio', /rate0\.aiff: the header says a sample rate of 0 Hz/);
    const caf = readFileSync(render('sine=d=0.1', join(dir, 'ok.caf'), '-c:a', 'pcm_alaw'));
    const desc = caf.indexOf('desc') + 12;
    const hugeRate = Buffer.from(caf);
    hugeRate.writeDoubleBE(1e9, desc);
    await rejects(file('rate1g.caf', hugeRate), 'bad_audio', /rate1g\.caf: the header says a sample rate of 1000000000 Hz/);
    const noChannels = Buffer.from(caf);
    noChannels.writeUInt32BE(0, desc + 24);
    await rejects(file('ch0.caf', noChannels), 'bad_audio', /ch0\.caf: the header says 0 channels/);
  });
  it('compressed files cut after their header, or with garbage after a valid header', { skip: ffmpegMissing }, async () => {
    const flac = readFileSync(render('sine=d=1', join(dir, 'whole.flac'), '-c:a', 'flac'));
    await rejects(file('cut.flac', flac.subarray(0, 60)), 'bad_audio', /cut\.flac: no audio could be decoded/);
    const mp3 = readFileSync(render('sine=d=1', join(dir, 'whole.mp3'), '-c:a', 'libmp3lame'));
    await rejects(file('cut.mp3', mp3.subarray(0, 200)), 'bad_audio', /cut\.mp3: /);
  });
});
