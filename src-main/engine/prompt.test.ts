import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bundledModelsDir } from '../core/resources';
import { loadBundle } from '../models/bundle';
import { PromptBuilder } from './prompt';

const dir = join(bundledModelsDir(), 'diffa-tiny');
const { manifest } = loadBundle(dir);
const prompt = PromptBuilder.fromJson(manifest, JSON.parse(readFileSync(join(dir, manifest.tokenizer), 'utf8')));
const { eos, eot, mask } = manifest.special_tokens;

describe('prompt builder (bundled DIFFA-Tiny)', () => {
  it('puts the audio right after "This is the audio: " in the first user turn', () => {
    const built = prompt.build('What kind of sound is this?');
    assert.ok(built.text.includes('This is the audio: <audio>. What kind of sound is this?'));
    const before = prompt.encode(built.text.slice(0, built.text.indexOf('This is the audio: ') + 'This is the audio: '.length));
    assert.equal(built.audioOffset, before.length + manifest.audio_insertion.offset_adjust);
    assert.deepEqual(built.ids.slice(0, before.length), before);
  });

  it('carries earlier questions and answers of the thread, the audio only once', () => {
    const built = prompt.build('Is the pitch rising or falling?', [{ question: 'What kind of sound is this?', answer: 'a tone' }]);
    assert.equal(built.text.split('This is the audio: ').length, 2);
    assert.ok(built.text.indexOf('What kind of sound is this?') < built.text.indexOf('a tone'));
    assert.ok(built.text.indexOf('a tone') < built.text.indexOf('Is the pitch rising or falling?'));
  });

  it('gives a question asked again the prompt a new builder renders, and keeps only the latest prompts', () => {
    const fresh = () => PromptBuilder.fromJson(manifest, JSON.parse(readFileSync(join(dir, manifest.tokenizer), 'utf8')));
    const builder = fresh();
    const thread = [{ question: 'What kind of sound is this?', answer: 'a tone' }];
    const first = builder.build('Is it loud?', thread);
    first.ids.fill(0); // a caller that changes what it got does not change the next answer's prompt
    for (const [question, history] of [
      ['Is it loud?', thread],
      ['Is it loud?', []],
      ['Is it loud?', [{ question: 'What kind of sound is this?', answer: 'speech' }]],
    ] as const) {
      assert.deepEqual(builder.build(question, history), fresh().build(question, history), `${question} after ${JSON.stringify(history)}`);
    }
    for (let i = 0; i < 2 * PromptBuilder.BUILT_KEPT; i++) builder.build(`Question ${i}?`);
    assert.deepEqual(builder.build('Is it loud?', thread), fresh().build('Is it loud?', thread));
  });

  it('decodes an answer up to its end marker, and an answer that is only an end marker as empty', () => {
    const ids = prompt.encode('a tone');
    assert.equal(prompt.decodeAnswer([...ids, eot, eos, eos]), 'a tone');
    assert.equal(prompt.decodeAnswer([eos, eos, eos]), '');
    assert.equal(prompt.decodeAnswer([eot, ...ids]), '');
    assert.equal(prompt.decodeAnswer([mask, ...ids, eos]), 'a tone');
  });
});
