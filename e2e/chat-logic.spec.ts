import { expect, test } from '@playwright/test';
import type { StepEventView } from '../src-common/api/inference';
import type { Exchange, Region } from '../src-common/api/library';
import {
  chipFor,
  confidenceBand,
  decodingProblem,
  displayToken,
  keptFrom,
  lowConfidenceCount,
  percent,
  presetDecoding,
  relevantDecoding,
  slotsAt,
  stepStats,
  wantsEvidence,
  windowLength,
} from '../src-renderer/chat/logic';
import { CATCH_UP_MS, nextStepDelay, READABLE_STEP_MS } from '../src-renderer/chat/pacing';

/** The chat's logic that needs no browser (slots at a step, presets, evidence keywords), run in Node. */

const token = (position: number, text: string, confidence: number) => ({
  position,
  token: position + 100,
  text,
  confidence,
  alternatives: [{ token: position + 100, text, prob: confidence }],
});
const step = (n: number, committed: ReturnType<typeof token>[], masked: number): StepEventView => ({
  step: n,
  block: 0,
  committed,
  masked,
  earlyStop: false,
  ms: 20,
  runMs: 15,
});

// a 4-token window: "a" at 2, "tone" at 1 and 3, end marker at 0 … in that order
const trace: StepEventView[] = [
  step(1, [token(0, 'a', 0.95)], 3),
  step(2, [token(1, 'tone', 0.6)], 2),
  step(3, [token(2, '<|endoftext|>', 0.3), token(3, '<|endoftext|>', 0.9)], 0),
];

test('slots at a step: masked until committed, the step’s own tokens are the newest, padding after the end marker', () => {
  expect(slotsAt(trace, 4, 0).map((s) => s.state)).toEqual(['masked', 'masked', 'masked', 'masked']);
  const two = slotsAt(trace, 4, 2);
  expect(two.map((s) => s.state)).toEqual(['committed', 'committed', 'masked', 'masked']);
  expect(two.map((s) => s.newest)).toEqual([false, true, false, false]);
  expect(two[1]).toMatchObject({ text: 'tone', step: 2, confidence: 0.6 });
  const end = slotsAt(trace, 4, 3);
  expect(end.map((s) => s.special)).toEqual([false, false, true, true]);
  expect(end.filter((s) => s.newest).map((s) => s.position)).toEqual([2, 3]);
  expect(displayToken('<|eot_id|>')).toBe('∎');
  expect(displayToken(' ')).toBe('·');
});

test('window length: the gen length, else committed + masked of the first step', () => {
  expect(windowLength(trace, 16)).toBe(16);
  expect(windowLength(trace, undefined)).toBe(4);
  expect(windowLength([], undefined)).toBe(0);
});

test('confidence bands, percentages, step statistics', () => {
  expect([0.95, 0.8, 0.79, 0.5, 0.49].map(confidenceBand)).toEqual(['high', 'high', 'medium', 'medium', 'low']);
  expect([1, 0.9996, 0.5, 0.042, 0.0001, 0].map(percent)).toEqual(['100%', '100%', '50%', '4.2%', '<0.1%', '0.0%']);
  expect(stepStats(trace)).toEqual({ steps: 3, stepsPerSecond: 50, lastCommitted: 2, meanCommitted: 4 / 3, masked: 0 });
  expect(stepStats(trace, 1)).toMatchObject({ steps: 1, lastCommitted: 1, masked: 3 });
  expect(stepStats([])).toMatchObject({ steps: 0, stepsPerSecond: null, masked: null });
});

test('presets: faithful is low-confidence with one token per step; fast is the manifest’s sampler', () => {
  const defaults = {
    sampler: 'factor' as const,
    steps: 8,
    genLength: 16,
    blockLength: 8,
    temperature: 0,
    cfgScale: 0,
    factor: 1,
    threshold: 0.9,
    cache: 'prefix' as const,
  };
  const faithful = presetDecoding('faithful', defaults);
  expect(faithful).toMatchObject({ sampler: 'low-confidence', steps: 16, genLength: 16, blockLength: 8, seed: 0 });
  expect(decodingProblem(faithful)).toBeNull();
  expect(presetDecoding('fast', defaults)).toMatchObject({ sampler: 'factor', steps: 8 });
  // only what the sampler reads goes to the engine
  expect(relevantDecoding(faithful)).not.toHaveProperty('factor');
  expect(relevantDecoding(presetDecoding('fast', defaults))).toMatchObject({ factor: 1 });
  expect(relevantDecoding(presetDecoding('fast', defaults))).not.toHaveProperty('steps');
  expect(decodingProblem({ ...faithful, blockLength: 5 })).toContain('multiple of the block length');
  expect(decodingProblem({ ...faithful, steps: 3 })).toContain('multiple of the number of blocks');
});

test('evidence keywords: level, loudness, clipping questions', () => {
  for (const q of ['How loud is it?', 'Is it clipping?', 'What is the peak level?', 'Is this too quiet', 'LUFS?', 'Any distortion?', 'volume ok?'])
    expect(wantsEvidence(q), q).toBe(true);
  for (const q of ['What kind of sound is this?', 'Is the pitch rising or falling?', 'Transcribe the speech.']) expect(wantsEvidence(q), q).toBe(false);
});

test('chips: region label, numbered name, whole file, deleted region', () => {
  const regions: Region[] = [
    { id: 'a', start: 0.5, end: 1.5, label: 'Intro', color: '#6d5dfc', group: null },
    { id: 'b', start: 2, end: 3.25, label: '', color: '#6d5dfc', group: null },
  ];
  expect(chipFor({ regionId: 'a', span: { start: 0.5, end: 1.5 } }, regions)).toEqual({ name: 'Intro', span: '0:00.5–0:01.5', exists: true });
  expect(chipFor({ regionId: 'b', span: { start: 2, end: 3.25 } }, regions).name).toBe('Region 2');
  expect(chipFor({ regionId: null, span: { start: 0, end: null } }, regions)).toMatchObject({ name: 'Whole file', exists: true });
  expect(chipFor({ regionId: 'gone', span: { start: 4, end: 5 } }, regions)).toMatchObject({ name: 'Deleted region', exists: false });
});

test('re-denoise: counts below the threshold, and which tokens a redo kept', () => {
  expect(lowConfidenceCount(trace, 0.5)).toBe(1);
  expect(lowConfidenceCount(trace, 0.95)).toBe(3);
  const original = { answer: { genLength: 4 }, trace } as unknown as Exchange;
  const redo: StepEventView[] = [step(1, [token(1, 'chirp', 0.7)], 1), step(2, [token(2, 'x', 0.8)], 0)];
  expect([...keptFrom(original, redo, 0.65).keys()]).toEqual([0, 3]);
  expect([...keptFrom(original, redo, null).keys()]).toEqual([0, 3]);
  const slots = slotsAt(redo, 4, 1, keptFrom(original, redo, 0.65));
  expect(slots.map((s) => s.state)).toEqual(['kept', 'committed', 'masked', 'kept']);
});

test('the live view holds each step for a readable time, shows the first at once, and catches up at the end', () => {
  // The first step arrives: on screen at once (the time to the first step is not made longer).
  expect(nextStepDelay(0, 1, 0, false, 'readable')).toBe(0);
  // Further steps wait until the one shown has been visible for READABLE_STEP_MS.
  expect(nextStepDelay(1, 5, 20, false, 'readable')).toBe(READABLE_STEP_MS - 20);
  expect(nextStepDelay(1, 5, 500, false, 'readable')).toBe(0);
  // Nothing to show.
  expect(nextStepDelay(5, 5, 0, false, 'readable')).toBeNull();
  // The answer is complete with 60 steps still to show: they all play within CATCH_UP_MS.
  const delay = nextStepDelay(4, 64, 0, true, 'readable') ?? Number.NaN;
  expect(delay * 60).toBeLessThanOrEqual(CATCH_UP_MS);
  // With only a few left, each keeps the readable time.
  expect(nextStepDelay(6, 8, 0, true, 'readable')).toBe(READABLE_STEP_MS);
  // "As fast as they come".
  expect(nextStepDelay(1, 5, 0, false, 'immediate')).toBe(0);
});
