import { writeFileSync } from 'node:fs';
import type { DecodingSettings } from '../../src-common/api/inference';
import { type BadItem, groupingsOf, isMcqFormat, MCQ_FORMATS, type McqFile, type McqFormat, readMcqFile } from '../eval/mcq-formats';
import { mcqPrompt, protocolDecoding } from '../eval/mcq-prompt';
import { judgeOutput, type McqJudgement, type McqScore, scoreMcq, type Tally } from '../eval/mcq-score';
import { resolveModelDir } from '../models/resolve-model';
import { withApp } from './app-session';
import { UsageError } from './command';
import { parseDecoding } from './decoding-options';

/**
 * The keys the benchmarks' own scorers read the model's output from, for `--out`. MMAU: `model_prediction` (its README,
 * DIFFA's copy of the scorer) and `model_output` (its evaluation.py today); MMAR: `model_prediction` (the version
 * DIFFA-2 ran) and `answer_prediction` (since its 2026 update); MMSU: `response`.
 */
const PREDICTION_KEYS: Record<McqFormat, readonly string[]> = {
  mmau: ['model_prediction', 'model_output'],
  mmar: ['model_prediction', 'answer_prediction'],
  mmsu: ['response'],
};

interface ItemResult {
  index: number;
  id: string;
  answer: string;
  output: string;
  chosen: string | null;
  correct: boolean;
}

/**
 * `diffa eval --format mmau|mmsu|mmar FILE`: every question through the one inference call (`EngineClient.ask`) with
 * DIFFA-2's prompt and decoding, scored by the benchmark's rule. An item that cannot be asked (bad entry, missing
 * audio, an engine error) is reported by name and left out of the accuracy; the others still count. Exit code 1
 * when any item was left out, as the accuracy then covers less than the file.
 */
export async function runMcqEval(values: Record<string, unknown>, positionals: string[]): Promise<number> {
  const format = String(values.format);
  if (!isMcqFormat(format)) throw new UsageError(`--format must be one of ${MCQ_FORMATS.join(', ')}`);
  for (const flag of ['set', 'ablate', 'anyway', 'calibrate'])
    if (values[flag] !== undefined) throw new UsageError(`--${flag} is for the app's own eval folders (--set), not --format`);
  const [file, ...extra] = positionals;
  if (file === undefined) throw new UsageError(`--format ${format} needs the benchmark's JSON file: diffa eval --format ${format} FILE`);
  if (extra.length > 0) throw new UsageError(`One benchmark file at a time (also got ${extra.join(', ')})`);
  const limit = values.limit === undefined ? Number.POSITIVE_INFINITY : Number(values.limit);
  if (!(limit > 0)) throw new UsageError('--limit must be a positive number');
  const { decoding: flags, provider } = parseDecoding(values);
  const decoding: DecodingSettings = { ...protocolDecoding(values.accelerate === true), ...flags };
  const json = values.json === true;

  const benchmark = readMcqFile(format, file, values['audio-dir'] as string | undefined);
  // The limit counts entries of the file, good or bad, so `--limit 10` means the first ten questions.
  const entries = [...benchmark.items, ...benchmark.bad].sort((a, b) => a.index - b.index);
  const kept = new Set(entries.slice(0, Math.min(limit, entries.length)).map((entry) => entry.index));
  const items = benchmark.items.filter((item) => kept.has(item.index));
  const skipped: BadItem[] = benchmark.bad.filter((item) => kept.has(item.index));
  for (const bad of skipped) console.error(`item ${bad.index} (${bad.id}): ${bad.problem}`);

  return withApp(values.home, async ({ home, engine }) => {
    const modelDir = resolveModelDir(values.model as string | undefined, home);
    const results: (ItemResult & { groups: Record<string, string>; judgement: McqJudgement })[] = [];
    const outputs = new Map<number, string>();
    await engine.load(modelDir, provider);
    const started = performance.now();
    for (const [n, item] of items.entries()) {
      try {
        const question = mcqPrompt(format, item);
        const answer = await engine.ask({ modelDir, audioPath: item.path, start: null, end: null, question, decoding, provider });
        const judgement = judgeOutput(format, item, answer.answer);
        outputs.set(item.index, answer.answer);
        const { chosen, correct } = judgement;
        results.push({ index: item.index, id: item.id, answer: item.answer, output: answer.answer, chosen, correct, groups: item.groups, judgement });
      } catch (error) {
        skipped.push({ index: item.index, id: item.id, problem: `not answered: ${(error as Error).message}` });
        console.error(`item ${item.index} (${item.id}): not answered: ${(error as Error).message}`);
      }
      if (!json && process.stderr.isTTY) process.stderr.write(`\r${n + 1}/${items.length}`);
    }
    if (!json && process.stderr.isTTY) process.stderr.write('\n');
    const seconds = (performance.now() - started) / 1000;
    skipped.sort((a, b) => a.index - b.index);

    const score = scoreMcq(results);
    if (typeof values.out === 'string') writePredictions(values.out, benchmark, outputs, results);
    const report = {
      format,
      file,
      model: modelDir,
      decoding,
      items: results.length + skipped.length,
      scored: results.length,
      skipped,
      overall: score.overall,
      groups: score.groups,
      answers_per_s: results.length / Math.max(seconds, 1e-9),
      results: results.map(({ groups: _g, judgement: _j, ...rest }) => rest),
    };
    if (json) console.log(JSON.stringify(report, null, 2));
    else printReport(format, report, score);
    return results.length > 0 && skipped.length === 0 ? 0 : 1;
  });
}

const percent = (t: Tally) =>
  `${(100 * t.accuracy).toFixed(2).padStart(6)} %  (${t.correct}/${t.n}${t.unmatched ? `, ${t.unmatched} matched no choice` : ''}${t.empty ? `, ${t.empty} empty` : ''})`;

function printReport(
  format: McqFormat,
  report: { items: number; scored: number; skipped: BadItem[]; decoding: DecodingSettings; answers_per_s: number },
  score: McqScore,
) {
  const d = report.decoding;
  const rule = d.sampler === 'factor' ? `factor ${d.factor}` : `${d.sampler}, ${d.steps} steps`;
  console.log(`${format.toUpperCase()}: ${report.scored} of ${report.items} questions scored (${rule}, block ${d.blockLength}, ${d.genLength} tokens)`);
  const groupings = groupingsOf(format).filter((g) => score.groups[g]);
  const width = Math.max(12, ...groupings.flatMap((g) => Object.keys(score.groups[g] ?? {}).map((name) => name.length + 2)));
  for (const grouping of groupings) {
    console.log(grouping);
    for (const [group, tally] of Object.entries(score.groups[grouping] ?? {})) console.log(`  ${group.padEnd(width - 2)} ${percent(tally)}`);
  }
  console.log(`${'overall'.padEnd(width)} ${percent(score.overall)}  ${report.answers_per_s.toFixed(2)} answers/s`);
  if (report.skipped.length > 0) console.log(`${report.skipped.length} not scored (listed above): the accuracy covers ${report.scored} of ${report.items}`);
}

/**
 * The benchmark's entries as published, each with the model's output under the keys its own scorer reads and `match`
 * (1 right, 0 wrong), in the file's own shape (one JSON array, or JSON Lines). Entries not answered are left out,
 * as DIFFA-2's MMSU script leaves out missing audio.
 */
function writePredictions(path: string, benchmark: McqFile, outputs: Map<number, string>, results: readonly ItemResult[]) {
  const correct = new Map(results.map((r) => [r.index, r.correct]));
  const keys = PREDICTION_KEYS[benchmark.format];
  const rows = benchmark.items
    .filter((item) => outputs.has(item.index))
    .map((item) => ({ ...item.raw, ...Object.fromEntries(keys.map((key) => [key, outputs.get(item.index)])), match: correct.get(item.index) ? 1 : 0 }));
  writeFileSync(path, benchmark.array ? `${JSON.stringify(rows, null, 2)}\n` : rows.map((row) => `${JSON.stringify(row)}\n`).join(''));
}
