import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatBytes, formatClock, formatDuration, formatEta, formatLevel, formatMs, formatSeconds, formatSpan } from './format';

describe('the renderer formatting module', () => {
  it('rounds a time before splitting it into minutes and seconds', () => {
    assert.equal(formatSeconds(59.96), '1:00.0');
    assert.equal(formatSeconds(0.5), '0:00.5');
    assert.equal(formatSeconds(61.24), '1:01.2');
    assert.equal(formatSeconds(Number.NaN), '–');
    assert.equal(formatClock(59.9996), '1:00.000');
    assert.equal(formatClock(3725.5, 1), '1:02:05.5');
    assert.equal(formatClock(-1.5, 1), '-0:01.5');
    assert.equal(formatDuration(59.999), '1:00.00');
    assert.equal(formatDuration(-1), '–');
  });

  it('says spans, estimates, milliseconds, sizes and levels the way the panels show them', () => {
    assert.equal(formatSpan(62_400), '1m02s');
    assert.equal(formatSpan(12_000), '12s');
    assert.equal(formatEta(200), '3 min 20 s');
    assert.equal(formatEta(null), '–');
    assert.equal(formatMs(4.25), '4.3 ms');
    assert.equal(formatMs(1234), '1.23 s');
    assert.equal(formatBytes(999_999), '1 MB');
    assert.equal(formatLevel(null, 'dBFS'), '−∞ dBFS');
    assert.equal(formatLevel(-6.02, 'dBFS'), '-6.0 dBFS');
  });
});
