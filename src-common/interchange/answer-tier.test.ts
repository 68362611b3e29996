import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flattenAnswers, questionKey } from './answer-tier';

describe('answers to one question as one tier', () => {
  it('keeps the latest answer of a span asked twice', () => {
    assert.deepEqual(
      flattenAnswers([
        { start: 1, end: 2, text: 'first' },
        { start: 1, end: 2, text: 'again' },
      ]),
      [{ start: 1, end: 2, text: 'again' }],
    );
  });

  it('lets the shorter answer cover an overlap; the longer keeps the rest of its span', () => {
    const items = [
      { start: 0, end: 10, text: 'whole file' },
      { start: 2, end: 3, text: 'region a' },
      { start: 2.5, end: 5, text: 'region b' },
      { start: 8, end: 12, text: 'past the end' },
    ];
    assert.deepEqual(flattenAnswers(items), [
      { start: 0, end: 2, text: 'whole file' },
      { start: 2, end: 3, text: 'region a' },
      { start: 3, end: 5, text: 'region b' },
      { start: 5, end: 8, text: 'whole file' },
      { start: 8, end: 12, text: 'past the end' },
    ]);
  });

  it('never overlaps, whatever the input', () => {
    const items = Array.from({ length: 24 }, (_, i) => ({ start: (i * 7) % 11, end: ((i * 7) % 11) + 1 + (i % 5), text: `a${i}` }));
    const flat = flattenAnswers(items);
    for (let i = 1; i < flat.length; i++) assert.ok((flat[i]?.start ?? 0) >= (flat[i - 1]?.end ?? 0));
    assert.ok(flat.every((item) => item.end > item.start));
  });

  it('treats case, spacing and final punctuation as the same question', () => {
    assert.equal(questionKey('What kind of sound is this?'), questionKey('what  kind of sound is this'));
    assert.notEqual(questionKey('What is said?'), questionKey('What kind of sound is this?'));
  });
});
