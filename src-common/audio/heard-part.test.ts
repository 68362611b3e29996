import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { heardWindow, loudestSecond } from './heard-part';

describe('heardWindow', () => {
  it('hears all of a region no longer than the model hears', () => {
    assert.deepEqual(heardWindow({ start: 2, end: 7 }, 6, 'centre'), { start: 2, end: 7 });
    assert.deepEqual(heardWindow({ start: 2, end: 8 }, 6, 'loudest', 7.5), { start: 2, end: 8 });
  });

  it('cuts a long region at its start, centre or loudest second, inside the region', () => {
    const region = { start: 10, end: 70 };
    assert.deepEqual(heardWindow(region, 6, 'start'), { start: 10, end: 16 });
    assert.deepEqual(heardWindow(region, 6, 'centre'), { start: 37, end: 43 });
    assert.deepEqual(heardWindow(region, 6, 'loudest', 50.5), { start: 47.5, end: 53.5 });
    // A loudest second near an edge keeps the whole window inside the region.
    assert.deepEqual(heardWindow(region, 6, 'loudest', 69.5), { start: 64, end: 70 });
    assert.deepEqual(heardWindow(region, 6, 'loudest', 10.5), { start: 10, end: 16 });
    // Without peaks, 'loudest' falls back to the start.
    assert.deepEqual(heardWindow(region, 6, 'loudest', null), { start: 10, end: 16 });
  });
});

describe('loudestSecond', () => {
  const peaks = (values: number[]) => [{ min: values.map((v) => -v), max: values }];

  it('finds the centre of the loudest second', () => {
    // 10 peaks per second over 5 s; the fourth second (3–4 s) is loud.
    const values = Array.from({ length: 50 }, (_, i) => (i >= 30 && i < 40 ? 0.9 : 0.1));
    assert.equal(loudestSecond(peaks(values), 20, 0.1), 23.5);
  });

  it('adds the channels, and keeps the earliest of equal seconds', () => {
    const left = Array.from({ length: 30 }, (_, i) => (i < 10 ? 0.5 : 0.2));
    const right = Array.from({ length: 30 }, (_, i) => (i >= 20 ? 0.8 : 0.2));
    const centre = loudestSecond([...peaks(left), ...peaks(right)], 0, 0.1) ?? Number.NaN;
    assert.ok(Math.abs(centre - 2.5) < 1e-9);
    assert.equal(loudestSecond(peaks(Array(30).fill(0.3)), 0, 0.1), 0.5);
  });

  it('is null without peaks', () => assert.equal(loudestSecond([], 0, 0.1), null));
});
