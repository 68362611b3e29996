import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ApiError } from '../../src-common/api/errors';

/** One line of an eval folder's index.jsonl (format in docs/model-bundle.md and the DIFFA-Tiny docs). */
export const EvalItemSchema = z.object({
  audio: z.string().min(1),
  start: z.number().nonnegative().nullable().default(null),
  end: z.number().positive().nullable().default(null),
  task: z.string().min(1),
  question: z.string().min(1),
  answer: z.string(),
  /** How the item was made (clean, noisy10, codec…): the report adds accuracy per condition when items carry one. */
  condition: z.string().min(1).optional(),
});
export type EvalItem = z.infer<typeof EvalItemSchema> & { path: string };

export function readEvalSet(dir: string): EvalItem[] {
  const indexPath = join(dir, 'index.jsonl');
  let text: string;
  try {
    text = readFileSync(indexPath, 'utf8');
  } catch {
    throw new ApiError('not_found', `No eval set at ${dir}: index.jsonl is missing`);
  }
  return text
    .split('\n')
    .map((line, n) => [line.trim(), n + 1] as const)
    .filter(([line]) => line !== '')
    .map(([line, lineNumber]) => {
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        throw new ApiError('bad_request', `index.jsonl line ${lineNumber} is not valid JSON`);
      }
      const parsed = EvalItemSchema.safeParse(json);
      if (!parsed.success)
        throw new ApiError('bad_request', `index.jsonl line ${lineNumber}: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
      return { ...parsed.data, path: resolve(dir, parsed.data.audio) };
    });
}

/** Answers compare case-insensitively, ignoring surrounding spaces and final punctuation. */
export const normalizeAnswer = (text: string) =>
  text
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\s*[.!?,;:]+$/u, '');

/** Word-level Levenshtein distance (for transcription: the digit error rate when the words are digits). */
export function wordErrors(reference: string, hypothesis: string): { errors: number; words: number } {
  const ref = normalizeAnswer(reference).split(' ').filter(Boolean);
  const hyp = normalizeAnswer(hypothesis).split(' ').filter(Boolean);
  let previous = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const current = [i];
    for (let j = 1; j <= hyp.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return { errors: previous[hyp.length] ?? 0, words: ref.length };
}

export interface TaskScore {
  n: number;
  correct: number;
  accuracy: number;
  word_errors: number;
  words: number;
  word_error_rate: number;
}

export interface ConditionScore {
  n: number;
  correct: number;
  accuracy: number;
  tasks: Record<string, { n: number; correct: number; accuracy: number }>;
}

/** Accuracy per condition, and per task inside each, for the items that carry a condition. */
function scoreConditions(results: { task: string; expected: string; answer: string; condition?: string }[]) {
  const conditions: Record<string, ConditionScore> = {};
  for (const r of results) {
    if (r.condition === undefined) continue;
    conditions[r.condition] ??= { n: 0, correct: 0, accuracy: 0, tasks: {} };
    const c = conditions[r.condition] as ConditionScore;
    c.tasks[r.task] ??= { n: 0, correct: 0, accuracy: 0 };
    const t = c.tasks[r.task] as { n: number; correct: number; accuracy: number };
    const ok = normalizeAnswer(r.answer) === normalizeAnswer(r.expected) ? 1 : 0;
    c.n++;
    c.correct += ok;
    t.n++;
    t.correct += ok;
  }
  for (const c of Object.values(conditions)) {
    c.accuracy = c.correct / c.n;
    for (const t of Object.values(c.tasks)) t.accuracy = t.correct / t.n;
  }
  return conditions;
}

export function scoreAnswers(results: { task: string; expected: string; answer: string; condition?: string }[]) {
  const tasks: Record<string, TaskScore> = {};
  for (const r of results) {
    tasks[r.task] ??= { n: 0, correct: 0, accuracy: 0, word_errors: 0, words: 0, word_error_rate: 0 };
    const t = tasks[r.task] as TaskScore;
    t.n++;
    if (normalizeAnswer(r.answer) === normalizeAnswer(r.expected)) t.correct++;
    const { errors, words } = wordErrors(r.expected, r.answer);
    t.word_errors += errors;
    t.words += words;
  }
  for (const t of Object.values(tasks)) {
    t.accuracy = t.n ? t.correct / t.n : 0;
    t.word_error_rate = t.words ? t.word_errors / t.words : 0;
  }
  const correct = Object.values(tasks).reduce((s, t) => s + t.correct, 0);
  const empty = results.filter((r) => normalizeAnswer(r.answer) === '').length;
  return { tasks, overall: results.length ? correct / results.length : 0, empty_answers: empty, conditions: scoreConditions(results) };
}
