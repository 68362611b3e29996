import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../test-support/temp-dir';
import { normalizeAnswer, readEvalSet, scoreAnswers, wordErrors } from './eval-set';

describe('eval sets', () => {
  it('reads index.jsonl with paths relative to the folder and clear errors per line', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'index.jsonl'),
      `${JSON.stringify({ audio: 'a.wav', start: null, end: null, task: 'kind', question: 'Q?', answer: 'speech' })}\n\n`,
    );
    const items = readEvalSet(dir);
    assert.equal(items.length, 1);
    assert.equal(items[0]?.condition, undefined);
    assert.equal(items[0]?.path, join(dir, 'a.wav'));
    writeFileSync(join(dir, 'index.jsonl'), '{"audio": "a.wav"}\n');
    assert.throws(() => readEvalSet(dir), /line 1: task/);
    assert.throws(() => readEvalSet(join(dir, 'nope')), /index\.jsonl is missing/);
  });

  it('compares answers loosely and counts word errors', () => {
    assert.equal(normalizeAnswer('  Speech. '), 'speech');
    assert.deepEqual(wordErrors('three seven one', 'three one'), { errors: 1, words: 3 });
    assert.deepEqual(wordErrors('three seven one', 'three seven one'), { errors: 0, words: 3 });
    assert.deepEqual(wordErrors('one two', 'one three two four'), { errors: 2, words: 2 });
  });

  it('scores per task and overall', () => {
    const score = scoreAnswers([
      { task: 'kind', expected: 'speech', answer: 'Speech' },
      { task: 'kind', expected: 'noise', answer: 'a tone' },
      { task: 'transcribe', expected: 'one two', answer: 'one three' },
    ]);
    assert.equal(score.tasks.kind?.accuracy, 0.5);
    assert.equal(score.tasks.transcribe?.word_error_rate, 0.5);
    assert.ok(Math.abs(score.overall - 1 / 3) < 1e-12);
    assert.equal(score.empty_answers, 0);
    assert.deepEqual(score.conditions, {});
  });

  it('scores per condition when items carry one, and counts empty answers', () => {
    const score = scoreAnswers([
      { task: 'kind', expected: 'speech', answer: 'speech', condition: 'clean' },
      { task: 'pitch', expected: 'low', answer: 'high', condition: 'clean' },
      { task: 'kind', expected: 'noise', answer: ' ', condition: 'noisy10' },
    ]);
    assert.equal(score.conditions.clean?.accuracy, 0.5);
    assert.equal(score.conditions.clean?.tasks.pitch?.accuracy, 0);
    assert.equal(score.conditions.noisy10?.n, 1);
    assert.equal(score.conditions.noisy10?.accuracy, 0);
    assert.equal(score.empty_answers, 1);
  });
});
