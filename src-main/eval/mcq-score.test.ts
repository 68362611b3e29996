import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mcqPrompt, protocolDecoding } from './mcq-prompt';
import { judgeOutput, mmsuLetter, namesChoice, scoreMcq, wordTokens } from './mcq-score';

describe('multiple-choice prompts (DIFFA-2 inference scripts)', () => {
  it('MMAU and MMAR: the instruction, the question, the lettered choices and "Answer:"', () => {
    const prompt = mcqPrompt('mmau', { question: 'Is the tone high or low?', choices: ['High', 'Low'] });
    assert.equal(
      prompt,
      'You are given the audio and a multiple-choice question. Choose the best answer based only on the speech content and style.\n\n' +
        'Question: Is the tone high or low?\n\nChoices:\nA. High\nB. Low\nAnswer:',
    );
    assert.equal(mcqPrompt('mmar', { question: 'Is the tone high or low?', choices: ['High', 'Low'] }), prompt);
  });

  it('MMSU: its own instruction asking for a letter, no "Answer:"', () => {
    assert.equal(
      mcqPrompt('mmsu', { question: 'Who speaks?', choices: ['A man', 'A woman', 'A child'] }),
      'Choose the most suitable answer from options A, B, C, and D to respond the question in next line, ' +
        '**you should only choose A or B or C or D.** Do not provide any additional explanations or content.\n\n' +
        'Question: Who speaks?\n\nA. A man\nB. A woman\nC. A child',
    );
  });

  it('decodes as their run scripts: 16 steps, block 16, 16 tokens, greedy, no cache; --accelerate is the factor rule', () => {
    assert.deepEqual(protocolDecoding(false), {
      sampler: 'low-confidence',
      steps: 16,
      genLength: 16,
      blockLength: 16,
      temperature: 0,
      cfgScale: 0,
      cache: 'none',
    });
    assert.deepEqual(protocolDecoding(true), { sampler: 'factor', factor: 1, genLength: 16, blockLength: 16, temperature: 0, cfgScale: 0, cache: 'none' });
  });
});

describe('matching an output to a choice', () => {
  const voices = ['Man', 'Woman', 'Child', 'Robot'];

  it("MMAU's rule: every word of the answer, no word that only another choice has", () => {
    assert.deepEqual([...wordTokens("A men's locker-room, 2040!")], ['a', 'men', 's', 'locker', 'room', '2040']);
    assert.equal(namesChoice('Man', 'Man', voices), true);
    assert.equal(namesChoice('Man', 'A. man.', voices), true, 'the letter and punctuation are not words of another choice');
    assert.equal(namesChoice('Man', 'The speaker is a man', voices), true);
    assert.equal(namesChoice('Man', 'man or woman', voices), false, 'a word of another choice');
    assert.equal(namesChoice('Man', 'A', voices), false, 'a letter alone names nothing');
    assert.equal(namesChoice('Man', '', voices), false);
    // Shared words do not count against the answer; a choice with the answer's very words is not "another" choice.
    const doors = ['Car door', 'House door', 'Cabinet door'];
    assert.equal(namesChoice('House door', 'the house door', doors), true);
    assert.equal(namesChoice('House door', 'door', doors), false);
    assert.equal(namesChoice('2040', '2040', ['4000', '1500', '3060 ', '2040 ']), true);
    // Unicode words, as Python's \w sees them.
    assert.equal(namesChoice('Café', 'café', ['Café', 'Bar']), true);
  });

  it('MMAU / MMAR judgement: which choice was named, and right only for the answer', () => {
    const item = { choices: voices, answer: 'Woman' };
    assert.deepEqual(judgeOutput('mmau', item, 'B. Woman'), { chosen: 'B', correct: true, empty: false });
    assert.deepEqual(judgeOutput('mmar', item, 'Man'), { chosen: 'A', correct: false, empty: false });
    assert.deepEqual(judgeOutput('mmau', item, 'B'), { chosen: null, correct: false, empty: false }, 'nothing matched: wrong, still counted');
    assert.deepEqual(judgeOutput('mmau', item, ' \n'), { chosen: null, correct: false, empty: true });
    assert.deepEqual(judgeOutput('mmau', item, 'a woman or a child'), { chosen: null, correct: false, empty: false });
    // An answer that is not word for word a choice (MMAR has a few) is still matched by its words.
    const shortened = { choices: ['Chromatic descent simulates steps', 'Octave interval leap simulates bell'], answer: 'Octave interval leap' };
    assert.equal(judgeOutput('mmar', shortened, 'Octave interval leap').correct, true);
    // …but the full choice is then wrong: "simulates" and "bell" are words of choices the answer does not have.
    assert.equal(judgeOutput('mmar', shortened, 'Octave interval leap simulates bell').correct, false);
  });

  it("DIFFA's MMSU rule: the first character, else the second-to-last, A–D in capitals", () => {
    assert.equal(mmsuLetter('B'), 'B');
    assert.equal(mmsuLetter('  C. Laughter\n'), 'C');
    assert.equal(mmsuLetter('The answer is D.'), 'D');
    assert.equal(mmsuLetter('The answer is\nD.'), 'D');
    assert.equal(mmsuLetter('b'), null);
    assert.equal(mmsuLetter('Laughter'), null);
    assert.equal(mmsuLetter('E'), null);
    assert.equal(mmsuLetter(''), null);
    // Their rule reads the first character first: an output starting "Answer" counts as A.
    assert.equal(mmsuLetter('Answer: D'), 'A');
    const item = { choices: ['High', 'Low'], answer: 'Low' };
    assert.deepEqual(judgeOutput('mmsu', item, 'B'), { chosen: 'B', correct: true, empty: false });
    assert.deepEqual(judgeOutput('mmsu', item, 'A. High'), { chosen: 'A', correct: false, empty: false });
    assert.deepEqual(judgeOutput('mmsu', item, 'Low'), { chosen: null, correct: false, empty: false }, 'the text alone is no letter');
    assert.deepEqual(judgeOutput('mmsu', item, 'D'), { chosen: 'D', correct: false, empty: false }, 'a letter past the choices is wrong');
  });

  it('scores overall and per group, unmatched outputs counted wrong', () => {
    const score = scoreMcq([
      { groups: { task: 'sound', difficulty: 'easy' }, judgement: { chosen: 'A', correct: true, empty: false } },
      { groups: { task: 'sound', difficulty: 'hard' }, judgement: { chosen: null, correct: false, empty: true } },
      { groups: { task: 'music', difficulty: 'easy' }, judgement: { chosen: 'B', correct: false, empty: false } },
      { groups: { task: 'music', difficulty: 'easy' }, judgement: { chosen: 'C', correct: true, empty: false } },
    ]);
    assert.deepEqual(score.overall, { n: 4, correct: 2, accuracy: 0.5, unmatched: 1, empty: 1 });
    assert.deepEqual(score.groups.task?.sound, { n: 2, correct: 1, accuracy: 0.5, unmatched: 1, empty: 1 });
    assert.deepEqual(score.groups.difficulty?.easy, { n: 3, correct: 2, accuracy: 2 / 3, unmatched: 0, empty: 0 });
    assert.deepEqual(Object.keys(score.groups.task ?? {}), ['sound', 'music']);
  });
});
