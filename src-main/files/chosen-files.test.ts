import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ApiError } from '../../src-common/api/errors';
import { tempDir } from '../test-support/temp-dir';
import { writeSineWav } from '../test-support/wav';
import { ChosenFiles } from './chosen-files';
import { sniffAudioContainer } from './sniff';

const bytes = (...parts: (string | number[])[]) => new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));

describe('sniffAudioContainer', () => {
  const cases: [Uint8Array, string | null][] = [
    [bytes('RIFF', [0, 0, 0, 0], 'WAVE'), 'wav'],
    [bytes('RIFF', [0, 0, 0, 0], 'AVI '), null],
    [bytes('FORM', [0, 0, 0, 0], 'AIFC'), 'aiff'],
    [bytes('fLaC', [0, 0, 0, 34]), 'flac'],
    [bytes('OggS', [0, 2]), 'ogg'],
    [bytes([0, 0, 0, 32], 'ftypM4A '), 'mp4'],
    [bytes('ID3', [4, 0]), 'mp3'],
    [bytes([0xff, 0xfb, 0x90, 0x64]), 'mp3'],
    [bytes([0xff, 0xf1, 0x50, 0x80]), 'aac'],
    [bytes([0x1a, 0x45, 0xdf, 0xa3]), 'webm'],
    [bytes('caff', [0, 1]), 'caf'],
    [bytes('hello world'), null],
    [bytes('RIF'), null],
  ];
  for (const [head, expected] of cases) {
    it(`${JSON.stringify(String.fromCharCode(...head.subarray(0, 12)))} → ${expected}`, () => assert.equal(sniffAudioContainer(head), expected));
  }
});

describe('ChosenFiles', () => {
  const dir = tempDir();
  const files = new ChosenFiles((id) => `/media/${id}`);

  it('registers an audio file under an opaque id and keeps the id for the same path', async () => {
    const wav = writeSineWav(join(dir, 'tone.wav'), 0.1);
    const ref = await files.add(wav);
    assert.match(ref.id, /^[0-9a-f-]{36}$/);
    assert.equal(ref.mediaUrl, `/media/${ref.id}`);
    assert.equal(ref.mime, 'audio/wav');
    assert.equal((await files.add(wav)).id, ref.id);
    assert.equal(files.get(ref.id).path, wav);
  });

  it('refuses what is not audio, empty, missing or a folder, naming the file', async () => {
    writeFileSync(join(dir, 'notes.txt'), 'not audio at all');
    writeFileSync(join(dir, 'empty.wav'), '');
    mkdirSync(join(dir, 'folder.wav'));
    const expectations: [string, string, RegExp][] = [
      ['notes.txt', 'bad_audio', /notes\.txt: not an audio format/],
      ['empty.wav', 'bad_audio', /empty\.wav: the file is empty/],
      ['missing.wav', 'not_found', /missing\.wav: the file does not exist/],
      ['folder.wav', 'bad_audio', /folder\.wav: it is not a regular file/],
    ];
    for (const [name, code, message] of expectations) {
      await assert.rejects(files.add(join(dir, name)), (error: unknown) => error instanceof ApiError && error.code === code && message.test(error.message));
    }
  });

  it('knows nothing of ids it did not hand out, and forgets closed files', async () => {
    assert.throws(() => files.get('../../etc/passwd'), /No such open file/);
    const ref = await files.add(writeSineWav(join(dir, 'b.wav'), 0.1));
    const seen: number[] = [];
    files.onChange((list) => seen.push(list.length));
    files.remove(ref.id);
    assert.throws(() => files.get(ref.id));
    assert.deepEqual(seen, [1]);
  });
});
