import type { Answer } from '../api/inference';
import { type Exchange, ExchangeSchema, type Region } from '../api/library';
import type { ExportSource } from './export-source';

/** A sample file's regions and answers for codec tests: tricky text, overlaps, points, frequency ranges, a failure. */

export const TRICKY = ['say "hi"', '<&> & </ANNOTATION_VALUE>', 'two\nlines', 'ünïcødé ✓ 日本語 🎵', '', '""', 'tab\there'];

const region = (id: string, start: number, end: number, label: string, group: string | null, extra: Partial<Region> = {}): Region => ({
  id,
  start,
  end,
  label,
  color: '#6d5dfc',
  group,
  ...extra,
});

function answer(text: string, start: number, end: number): Answer {
  return {
    answer: text,
    tokens: [5, 6],
    genLength: 8,
    forwardPasses: 8,
    provider: 'cpu',
    providerAttempts: [{ provider: 'cpu', ok: true, ms: 3 }],
    model: { id: 'diffa-tiny', name: 'DIFFA-Tiny', version: '0.1.0', manifestSha256: 'ab'.repeat(32) },
    decoding: { sampler: 'factor', steps: 8, genLength: 8, blockLength: 8, temperature: 0, cfgScale: 0, seed: 7, factor: 1, threshold: 0.9, cache: 'none' },
    question: 'q',
    prompt: '<audio> q',
    region: { start, end },
    truncated: false,
    heardSeconds: end - start,
    timings: { decodeMs: 1, featuresMs: 2, audioGraphMs: 3, stepsMs: [4, 5], stepsRunMs: [3, 4], totalMs: 15 },
  };
}

const exchange = (id: string, regionId: string | null, start: number, end: number | null, question: string, text: string | null): Exchange =>
  ExchangeSchema.parse({
    id,
    regionId,
    span: { start, end },
    question,
    askedAt: '2026-01-01T00:00:00.000Z',
    modelId: 'diffa-tiny',
    decoding: {},
    status: text === null ? 'failed' : 'done',
    answer: text === null ? null : answer(text, start, end ?? 10),
    trace: [],
    error: text === null ? 'engine crashed' : null,
  });

/** Regions in two groups (overlapping ones, points, a point at 0, frequency ranges) and answers with tricky text. */
export function sampleSource(): ExportSource {
  const regions = [
    ...TRICKY.map((label, i) => region(`w${i}`, 0.1234 + i, 0.9876 + i, label, 'words')),
    region('o1', 0.5, 1.5, 'overlaps a word region', 'words'),
    region('p1', 2.25, 2.25, 'click', 'events'),
    region('p0', 1e-6, 1e-6, 'at zero (a point at 0 s is kept 1 µs later)', 'events'),
    region('f1', 3, 4, 'bird', null, { lowHz: 2000, highHz: 8000.5 }),
  ];
  const exchanges = [
    ...TRICKY.map((text, i) => exchange(`e${i}`, `w${i}`, 0.1234 + i, 0.9876 + i, 'What is said?', text)),
    exchange('e-again', 'w0', 0.1234, 0.9876, 'What is said?', 'asked twice'),
    exchange('e-whole', null, 0, null, 'What kind of sound is this?', 'speech'),
    exchange('e-failed', 'w1', 1.1234, 1.9876, 'Is it loud?', null),
  ];
  return { fileName: 'take 1 & <b>.wav', duration: 10, regions, exchanges, mediaUrl: 'file:///tmp/take%201%20&%20%3Cb%3E.wav', mimeType: 'audio/wav' };
}
