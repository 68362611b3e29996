import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { z } from 'zod';
import type { DecodingSettings, ProviderPreferenceSchema } from '../../src-common/api/inference';
import type { Region } from '../../src-common/api/library';
import { FORMAT_FILES } from '../../src-common/interchange/formats';
import { commonRoot, outputNames } from './batch-inputs';
import { findSidecarTier } from './sidecar';

export const BATCH_FORMATS = ['textgrid', 'eaf', 'audacity', 'srt', 'vtt', 'csv', 'jsonl'] as const;
export type BatchFormat = (typeof BATCH_FORMATS)[number];
export const isPerFile = (format: BatchFormat) => format !== 'csv' && format !== 'jsonl';

export interface BatchOptions {
  inputs: string[];
  questions: string[];
  /** Ask for every interval of this tier of each input's sidecar annotation file (see sidecar.ts). */
  tier?: string;
  format: BatchFormat;
  /** A folder for per-file formats, a file for csv/jsonl. */
  out: string;
  modelDir: string;
  decoding: DecodingSettings;
  provider: z.infer<typeof ProviderPreferenceSchema>;
  /** Ask the model questions outside its training too (their answers are marked); otherwise they are recorded unanswered. */
  anyway?: boolean;
}

export interface BatchItem {
  key: string;
  input: string;
  regionId: string | null;
  start: number;
  end: number | null;
  question: string;
}

export interface PlannedFile {
  input: string;
  /** Where this file's answers go (per-file formats), relative names mirror the input tree. */
  output: string;
  /** The name in csv/jsonl rows: the input relative to the inputs' common folder. */
  label: string;
  regions: Region[];
  items: BatchItem[];
  /** Why this file cannot be asked about (no sidecar, no such tier); its items are empty. */
  error: string | null;
}

export interface BatchPlan {
  options: BatchOptions;
  files: PlannedFile[];
  statePath: string;
  total: number;
}

/** The state file sits next to the output: `<out>/.diffa-batch-state.jsonl` or `<out>.diffa-batch-state.jsonl`. */
export function statePathFor(format: BatchFormat, out: string): string {
  return isPerFile(format) ? join(out, '.diffa-batch-state.jsonl') : join(dirname(out), `.${basename(out)}.diffa-batch-state.jsonl`);
}

/**
 * An item is known by everything that changes its answer: the audio, the span, the question, the model folder, the
 * decoding settings and the provider. Rerunning with another question or seed therefore asks again.
 */
function itemKey(options: BatchOptions, input: string, start: number, end: number | null, question: string): string {
  const identity = JSON.stringify([input, start, end, question, options.modelDir, options.decoding, options.provider]);
  return createHash('sha256').update(identity).digest('hex').slice(0, 32);
}

/** Turns inputs × spans × questions into items; a file whose sidecar is missing is planned as failed. */
export async function planBatch(options: BatchOptions): Promise<BatchPlan> {
  const extension = FORMAT_FILES[options.format].extension;
  const names = outputNames(options.inputs, extension);
  const root = commonRoot(options.inputs);
  const files: PlannedFile[] = [];
  for (const input of options.inputs) {
    const rel = names.get(input) as string;
    const file: PlannedFile = { input, output: join(options.out, rel), label: relative(root, input), regions: [], items: [], error: null };
    let spans: { regionId: string | null; start: number; end: number | null }[] = [{ regionId: null, start: 0, end: null }];
    if (options.tier) {
      try {
        const sidecar = await findSidecarTier(input, options.tier);
        file.regions = sidecar.intervals.map((iv, i) => ({
          id: `${i + 1}`,
          start: iv.start,
          end: iv.end,
          label: iv.text.slice(0, 200),
          color: '#6d5dfc',
          group: options.tier ?? null,
        }));
        spans = file.regions.map((r) => ({ regionId: r.id, start: r.start, end: r.end }));
      } catch (error) {
        file.error = (error as Error).message;
        spans = [];
      }
    }
    for (const span of spans) {
      for (const question of options.questions) file.items.push({ ...span, input, question, key: itemKey(options, input, span.start, span.end, question) });
    }
    files.push(file);
  }
  if (isPerFile(options.format)) mkdirSync(options.out, { recursive: true });
  else mkdirSync(dirname(options.out), { recursive: true });
  return { options, files, statePath: statePathFor(options.format, options.out), total: files.reduce((n, f) => n + f.items.length, 0) };
}
