import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fixtureEntries, fixtureWithAudio } from '../test-support/mcq-fixtures';
import { tempDir } from '../test-support/temp-dir';
import { groupingsOf, readMcqFile } from './mcq-formats';

describe('benchmark files (MMAU, MMSU, MMAR as published)', () => {
  it('reads MMAU: audio_id relative to the file, the choices list, task / difficulty / sub-category', () => {
    const dir = tempDir();
    const file = fixtureWithAudio('mmau', dir);
    const { items, bad, array } = readMcqFile('mmau', file);
    assert.deepEqual(bad, []);
    assert.equal(array, true);
    assert.equal(items.length, fixtureEntries('mmau').length);
    const first = items[0];
    assert.equal(first?.id, 'tone-low-1');
    assert.equal(first?.path, join(dir, 'test-mini-audios', 'tone-low-1.wav'));
    assert.deepEqual(first?.choices, ['High', 'Low']);
    assert.equal(first?.answer, 'Low');
    assert.deepEqual(first?.groups, { task: 'sound', difficulty: 'easy', 'sub-category': 'Pitch' });
    assert.deepEqual(groupingsOf('mmau'), ['task', 'difficulty', 'sub-category']);
  });

  it('reads MMSU: JSON Lines, choice_a … choice_d without the null ones, answer_gt, nested categories', () => {
    const dir = tempDir();
    const { items, bad, array } = readMcqFile('mmsu', fixtureWithAudio('mmsu', dir));
    assert.deepEqual(bad, []);
    assert.equal(array, false);
    assert.deepEqual(items[0]?.choices, ['High', 'Low']);
    assert.equal(items[1]?.choices.length, 4);
    assert.equal(items[0]?.answer, 'Low');
    assert.deepEqual(items[0]?.groups, {
      category: 'perception',
      'sub-category': 'perception / paralinguistics',
      'sub-sub-category': 'perception / paralinguistics / speaker_traits',
      task_name: 'pitch_comparison',
    });
  });

  it('reads MMAR: audio_path, modality / category / sub-category, as a JSON array or as JSON Lines', () => {
    const dir = tempDir();
    const file = fixtureWithAudio('mmar', dir);
    const fromArray = readMcqFile('mmar', file);
    assert.deepEqual(fromArray.bad, []);
    assert.deepEqual(fromArray.items[0]?.groups, { modality: 'sound', category: 'Signal Layer', 'sub-category': 'Acoustic Quality Analysis' });
    const lines = join(dir, 'MMAR-meta.jsonl');
    writeFileSync(
      lines,
      fixtureEntries('mmar')
        .map((entry) => `${JSON.stringify(entry)}\n`)
        .join(''),
    );
    const fromLines = readMcqFile('mmar', lines);
    assert.equal(fromLines.array, false);
    assert.deepEqual(
      fromLines.items.map((item) => [item.id, item.path, item.choices]),
      fromArray.items.map((item) => [item.id, item.path, item.choices]),
    );
  });

  it('takes the audio from another folder when asked (--audio-dir)', () => {
    const audio = tempDir();
    fixtureWithAudio('mmau', audio);
    const elsewhere = tempDir();
    const file = join(elsewhere, 'mmau.json');
    writeFileSync(file, JSON.stringify(fixtureEntries('mmau')));
    assert.equal(readMcqFile('mmau', file).bad.length, fixtureEntries('mmau').length);
    assert.deepEqual(readMcqFile('mmau', file, audio).bad, []);
  });

  it('names each bad entry and keeps the good ones', () => {
    const dir = tempDir();
    fixtureWithAudio('mmau', dir);
    const [good, second] = fixtureEntries('mmau');
    const entries = [
      good,
      { ...second, id: 'not-a-list', choices: 'High, Low' },
      { ...second, id: 'no-audio', audio_id: './test-mini-audios/missing.wav' },
      { ...second, id: 'number-choice', choices: ['High', 3] },
      { ...second, id: 'one-choice', choices: ['High'] },
      { ...second, id: 'no-question', question: '' },
      { ...second, id: 'no-answer', answer: undefined },
      'a string, not an object',
      second,
    ];
    const file = join(dir, 'mixed.json');
    writeFileSync(file, JSON.stringify(entries));
    const { items, bad } = readMcqFile('mmau', file);
    assert.deepEqual(
      items.map((item) => [item.index, item.id]),
      [
        [1, 'tone-low-1'],
        [9, 'tone-high-1'],
      ],
    );
    const problems = Object.fromEntries(bad.map((b) => [`${b.index} ${b.id}`, b.problem]));
    assert.match(problems['2 not-a-list'] ?? '', /"choices" must be a list of strings, not the string "High, Low"/);
    assert.match(problems['3 no-audio'] ?? '', /the audio file .*missing\.wav does not exist/);
    assert.match(problems['4 number-choice'] ?? '', /"choices"\[1\] must be a string, not a number/);
    assert.match(problems['5 one-choice'] ?? '', /at least 2 choices/);
    assert.match(problems['6 no-question'] ?? '', /"question" must be a non-empty string/);
    assert.match(problems['7 no-answer'] ?? '', /"answer" must be a string/);
    assert.match(problems['8 #8'] ?? '', /not a JSON object/);
  });

  it('names a JSON Lines line that is not JSON and reads the others', () => {
    const dir = tempDir();
    const file = fixtureWithAudio('mmsu', dir);
    const lines = fixtureEntries('mmsu').map((entry) => JSON.stringify(entry));
    writeFileSync(file, `${lines[0]}\n{"id": "cut", "question": \n${lines[1]}\n`);
    const { items, bad } = readMcqFile('mmsu', file);
    assert.deepEqual(
      items.map((item) => item.index),
      [1, 3],
    );
    assert.deepEqual(bad, [{ index: 2, id: '#2', problem: 'the line is not valid JSON' }]);
  });

  it('refuses a file it cannot read as a whole, naming it', () => {
    const dir = tempDir();
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '[{"id": 1, "question": "Q"');
    assert.throws(() => readMcqFile('mmau', broken), /broken\.json is not valid JSON/);
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '\n\n');
    assert.throws(() => readMcqFile('mmsu', empty), /empty\.jsonl holds no questions/);
    assert.throws(() => readMcqFile('mmar', join(dir, 'nope.json')), /No benchmark file at .*nope\.json/);
  });
});
