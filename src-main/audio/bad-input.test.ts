import assert from 'node:assert/strict';
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
  it('compressed files cut after their header, or with garbage after a valid header', { skip: ffmpegMissing }, async () => {
    const flac = readFileSync(render('sine=d=1', join(dir, 'whole.flac'), '-c:a', 'flac'));
    await rejects(file('cut.flac', flac.subarray(0, 60)), 'bad_audio', /cut\.flac: no audio could be decoded/);
    const mp3 = readFileSync(render('sine=d=1', join(dir, 'whole.mp3'), '-c:a', 'libmp3lame'));
    await rejects(file('cut.mp3', mp3.subarray(0, 200)), 'bad_audio', /cut\.mp3: /);
  });
});
