import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ApiError } from '../../src-common/api/errors';

/**
 * The multiple-choice audio benchmarks DIFFA-2 reports, read as their authors publish them:
 * - MMAU (`mmau-test-mini.json`): a JSON array; `audio_id` is the audio's path relative to the file, `choices` a list,
 *   `answer` the right choice's text; the official scorer groups by `task`, `difficulty` and `sub-category`.
 * - MMAR (`MMAR-meta.json`, later `MMAR-meta.jsonl`): the same shape with `audio_path`; grouped by `modality`,
 *   `category` and `sub-category`.
 * - MMSU (`mmsu.jsonl`): one object per line, `audio_path`, the choices in `choice_a` … `choice_d` (absent or null
 *   when there are fewer), `answer_gt` the right choice's text; grouped by `category`, then `sub-category` and
 *   `sub-sub-category` inside it (DIFFA's scorer), and by `task_name`.
 */
export const MCQ_FORMATS = ['mmau', 'mmsu', 'mmar'] as const;
export type McqFormat = (typeof MCQ_FORMATS)[number];

export const isMcqFormat = (name: string): name is McqFormat => (MCQ_FORMATS as readonly string[]).includes(name);

/** One question, ready to ask. */
export interface McqItem {
  /** 1-based position in the file (the line for JSONL), which names the item in messages with its id. */
  index: number;
  id: string;
  /** The audio's path as written in the file, and resolved against the audio folder. */
  audio: string;
  path: string;
  question: string;
  /** In the order the file lists them: the prompt letters them A, B, C, … */
  choices: string[];
  answer: string;
  /** Grouping → this item's group, in the order the report lists them (e.g. task: sound, difficulty: easy). */
  groups: Record<string, string>;
  /** The item as published, for writing it back with the model's prediction. */
  raw: Record<string, unknown>;
}

/** An entry that cannot be asked: named by its position and id, with what is wrong. The others still run. */
export interface BadItem {
  index: number;
  id: string;
  problem: string;
}

export interface McqFile {
  format: McqFormat;
  /** Whether the file is one JSON array (else JSON Lines): `--out` writes predictions in the same shape. */
  array: boolean;
  items: McqItem[];
  bad: BadItem[];
}

interface FormatSpec {
  /** The audio path's field; the other benchmarks' name is accepted too (DIFFA-2 ran MMAR through its MMAU script). */
  audioKeys: readonly string[];
  answerKey: string;
  /** Where the choices are: one list field, or one field per letter. */
  choices: { list: string } | { letters: readonly string[] };
  groups: (raw: Record<string, unknown>) => Record<string, string>;
}

const NONE = '(none)';
const field = (raw: Record<string, unknown>, key: string) => {
  const value = raw[key];
  return typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : NONE;
};

const SPECS: Record<McqFormat, FormatSpec> = {
  mmau: {
    audioKeys: ['audio_id', 'audio_path'],
    answerKey: 'answer',
    choices: { list: 'choices' },
    groups: (raw) => ({ task: field(raw, 'task'), difficulty: field(raw, 'difficulty'), 'sub-category': field(raw, 'sub-category') }),
  },
  mmar: {
    audioKeys: ['audio_path', 'audio_id'],
    answerKey: 'answer',
    choices: { list: 'choices' },
    groups: (raw) => ({ modality: field(raw, 'modality'), category: field(raw, 'category'), 'sub-category': field(raw, 'sub-category') }),
  },
  mmsu: {
    audioKeys: ['audio_path', 'audio_id'],
    answerKey: 'answer_gt',
    choices: { letters: ['choice_a', 'choice_b', 'choice_c', 'choice_d'] },
    // DIFFA's MMSU scorer nests the levels: a sub-category is counted within its category.
    groups: (raw) => {
      const category = field(raw, 'category');
      const sub = `${category} / ${field(raw, 'sub-category')}`;
      return { category, 'sub-category': sub, 'sub-sub-category': `${sub} / ${field(raw, 'sub-sub-category')}`, task_name: field(raw, 'task_name') };
    },
  },
};

/** The groupings a format's report lists, in order. */
export const groupingsOf = (format: McqFormat): string[] => Object.keys(SPECS[format].groups({}));

/** The letters the prompt gives the choices; DIFFA-2's prompt builder stops at Z. */
export const MAX_CHOICES = 26;

/**
 * Reads a benchmark file. A file that cannot be read or parsed as a whole is an error; an entry that is not a usable
 * question (a JSONL line that is not JSON, a field missing or of the wrong type, audio that is not there) becomes a
 * `BadItem` naming it, and the rest are read.
 */
export function readMcqFile(format: McqFormat, file: string, audioDir: string = dirname(resolve(file))): McqFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ApiError('not_found', `No benchmark file at ${file}`);
  }
  const array = text.trimStart().startsWith('[');
  const entries: { index: number; value: unknown; problem?: string }[] = [];
  if (array) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new ApiError('bad_request', `${file} is not valid JSON: ${(error as Error).message}`);
    }
    if (!Array.isArray(parsed)) throw new ApiError('bad_request', `${file} must be a JSON array of questions`);
    for (const [i, value] of parsed.entries()) entries.push({ index: i + 1, value });
  } else {
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        entries.push({ index: i + 1, value: JSON.parse(line) });
      } catch {
        entries.push({ index: i + 1, value: null, problem: 'the line is not valid JSON' });
      }
    });
    if (entries.length === 0) throw new ApiError('bad_request', `${file} holds no questions (a JSON array or one JSON object per line)`);
  }
  const items: McqItem[] = [];
  const bad: BadItem[] = [];
  for (const { index, value, problem } of entries) {
    const result = problem ? { problem, id: `#${index}` } : toItem(format, value, index, audioDir);
    if ('problem' in result) bad.push({ index, id: result.id, problem: result.problem });
    else items.push(result);
  }
  return { format, array, items, bad };
}

function toItem(format: McqFormat, value: unknown, index: number, audioDir: string): McqItem | { id: string; problem: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { id: `#${index}`, problem: 'the entry is not a JSON object' };
  const raw = value as Record<string, unknown>;
  const id = typeof raw.id === 'string' || typeof raw.id === 'number' ? String(raw.id) : `#${index}`;
  const fail = (problem: string) => ({ id, problem });
  const spec = SPECS[format];

  const audioKey = spec.audioKeys.find((key) => raw[key] !== undefined) ?? (spec.audioKeys[0] as string);
  const audio = raw[audioKey];
  if (typeof audio !== 'string' || audio === '') return fail(`"${audioKey}" must be the audio file's path`);
  const question = raw.question;
  if (typeof question !== 'string' || question.trim() === '') return fail('"question" must be a non-empty string');
  const answer = raw[spec.answerKey];
  if (typeof answer !== 'string') return fail(`"${spec.answerKey}" must be a string (the right choice's text)`);

  let choices: string[];
  if ('list' in spec.choices) {
    const list = raw[spec.choices.list];
    if (!Array.isArray(list)) return fail(`"${spec.choices.list}" must be a list of strings, not ${describeValue(list)}`);
    const wrong = list.findIndex((c) => typeof c !== 'string');
    if (wrong >= 0) return fail(`"${spec.choices.list}"[${wrong}] must be a string, not ${describeValue(list[wrong])}`);
    choices = list as string[];
  } else {
    choices = [];
    for (const key of spec.choices.letters) {
      const choice = raw[key];
      if (choice === undefined || choice === null) continue;
      if (typeof choice !== 'string') return fail(`"${key}" must be a string, not ${describeValue(choice)}`);
      choices.push(choice);
    }
  }
  if (choices.length < 2) return fail(`a question needs at least 2 choices, this one has ${choices.length}`);
  if (choices.length > MAX_CHOICES) return fail(`at most ${MAX_CHOICES} choices (A–Z), this one has ${choices.length}`);

  const path = resolve(audioDir, audio);
  if (!isFile(path)) return fail(`the audio file ${path} does not exist`);
  return { index, id, audio, path, question, choices, answer, groups: spec.groups(raw), raw };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

const describeValue = (value: unknown) =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'a list'
      : typeof value === 'string'
        ? `the string ${JSON.stringify(value.slice(0, 40))}`
        : `a ${typeof value}`;
