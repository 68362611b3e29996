import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { McqFormat } from '../eval/mcq-formats';
import { writeSineWav } from './wav';

/** The small benchmark files shipped with the tests, one per format, in each benchmark's published layout. */
export const MCQ_FIXTURES: Record<McqFormat, string> = {
  mmau: join(import.meta.dirname, '..', 'eval', 'fixtures', 'mmau-mini.json'),
  mmsu: join(import.meta.dirname, '..', 'eval', 'fixtures', 'mmsu-mini.jsonl'),
  mmar: join(import.meta.dirname, '..', 'eval', 'fixtures', 'mmar-mini.json'),
};

/** A fixture's entries as published (a JSON array, or one object per line). */
export function fixtureEntries(format: McqFormat): Record<string, unknown>[] {
  const text = readFileSync(MCQ_FIXTURES[format], 'utf8');
  return format === 'mmsu'
    ? text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
    : JSON.parse(text);
}

/**
 * Copies a format's fixture into `dir` and makes the audio it names there: a one-second tone per question, low and
 * high in turn, so nothing but the JSON is committed. Returns the copied file's path.
 */
export function fixtureWithAudio(format: McqFormat, dir: string): string {
  const file = join(dir, basename(MCQ_FIXTURES[format]));
  copyFileSync(MCQ_FIXTURES[format], file);
  fixtureEntries(format).forEach((entry, i) => {
    const path = resolve(dir, String(entry.audio_id ?? entry.audio_path));
    mkdirSync(dirname(path), { recursive: true });
    writeSineWav(path, 1, i % 2 === 0 ? 220 : 880);
  });
  return file;
}
