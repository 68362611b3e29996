import { existsSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { listInputs } from '../interchange/batch-inputs';
import { BATCH_FORMATS, type BatchFormat, isPerFile, planBatch } from '../interchange/batch-plan';
import { runBatch } from '../interchange/batch-run';
import { progressBar, progressLine } from '../interchange/progress-text';
import { resolveModelDir } from '../models/resolve-model';
import { withApp } from './app-session';
import { type Command, UsageError } from './command';
import { DECODING_OPTIONS, DECODING_USAGE, parseDecoding } from './decoding-options';

/** `--questions FILE`: one question a line; blank lines and lines starting with # are skipped. */
function readQuestions(path: string): string[] {
  if (!existsSync(path)) throw new UsageError(`--questions ${path}: no such file`);
  return readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

export const batchCommand: Command = {
  name: 'batch',
  summary: 'Ask questions about many files (or every interval of a tier) and write TextGrid/EAF/labels/SRT/VTT/CSV/JSONL',
  usage: `Usage: npm run diffa -- batch --input DIR|FILE [--input …] (--question "…" | --questions FILE) --out PATH --format F [options]

  --input DIR|FILE   audio files, or folders searched recursively (repeatable; extra arguments count as inputs)
  --question TEXT    a question to ask (repeatable)
  --questions FILE   questions, one a line (# comments and blank lines skipped)
  --tier NAME        ask for every interval of tier NAME in each input's annotation file: x.TextGrid, then x.eaf,
                     then x.NAME.txt (Audacity labels), then x.txt when NAME is "labels"; without it, the whole file
  --format F         textgrid | eaf | audacity | srt | vtt (one file per input in the --out folder, mirroring the
                     inputs' folders) or csv | jsonl (one file at --out, one row per answer with its provenance)
  --out PATH         the output folder (per-file formats) or file (csv, jsonl)
  --model DIR|ID     a model bundle folder or an installed model id (default: the bundled diffa-tiny)
  --fresh            forget earlier progress (otherwise finished answers recorded next to the output are skipped)
  --anyway           ask the model questions outside its training too (marked "outside training"); otherwise
                     they are recorded unanswered. Level, clipping and format questions are answered from the
                     app's own measurement of each region, never by the model.
${DECODING_USAGE}

Finished answers are recorded in a state file next to the output (<out>/.diffa-batch-state.jsonl, or
.<name>.diffa-batch-state.jsonl beside a csv/jsonl file); a rerun skips them. A failing file is reported and the
run goes on. Exit status: 0 when at least one answer exists (this run or an earlier one) or there was nothing to
ask; 1 when every item failed; 130 when interrupted (Ctrl-C; rerun to resume).`,
  options: {
    input: { type: 'string', multiple: true },
    question: { type: 'string', multiple: true },
    questions: { type: 'string' },
    tier: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    model: { type: 'string' },
    fresh: { type: 'boolean' },
    anyway: { type: 'boolean' },
    ...DECODING_OPTIONS,
  },
  async run(values, positionals) {
    const inputArgs = [...((values.input as string[] | undefined) ?? []), ...positionals];
    if (inputArgs.length === 0) throw new UsageError('--input DIR|FILE is required');
    const questions = [...((values.question as string[] | undefined) ?? []).map((q) => q.trim()).filter(Boolean)];
    if (typeof values.questions === 'string') questions.push(...readQuestions(values.questions));
    if (questions.length === 0) throw new UsageError('--question "…" or --questions FILE is required');
    const format = values.format as BatchFormat;
    if (!BATCH_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${BATCH_FORMATS.join(', ')}`);
    if (typeof values.out !== 'string') throw new UsageError(`--out ${isPerFile(format) ? 'FOLDER' : 'FILE'} is required`);
    const { decoding, provider } = parseDecoding(values);
    const out = resolve(values.out);
    const tty = process.stderr.isTTY === true;
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    let lastLine = 0;
    const summary = await withApp(values.home, async ({ home, engine }) => {
      const modelDir = resolveModelDir(values.model as string | undefined, home);
      const inputs = await listInputs(inputArgs).catch((error: Error) => {
        throw new UsageError(error.message);
      });
      if (inputs.length === 0) throw new UsageError(`no audio files in ${inputArgs.join(', ')}`);
      const tier = values.tier as string | undefined;
      const plan = await planBatch({ inputs, questions, tier, format, out, modelDir, decoding, provider, anyway: values.anyway === true });
      if (values.fresh) rmSync(plan.statePath, { force: true });
      return runBatch(plan, engine, {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.failure) process.stderr.write(`${tty ? '\r\x1b[2K' : ''}failed: ${p.failure.file}: ${p.failure.message}\n`);
          if (tty) process.stderr.write(`\r\x1b[2K${progressBar(p, Math.max(40, process.stderr.columns || 80) - 1)}`);
          else if (p.state !== 'running' || performance.now() - lastLine > 2000 || p.answered + p.skipped + p.failed === p.total) {
            lastLine = performance.now();
            process.stderr.write(`${progressLine(p)}\n`);
          }
        },
      });
    }).finally(() => process.off('SIGINT', stop));
    if (tty) process.stderr.write('\n');

    const perAnswer = summary.answered ? ` (${(summary.engineMs / summary.answered / 1000).toFixed(2)} s per answer in the engine)` : '';
    console.log(
      `answered ${summary.answered}, already done ${summary.skipped}, failed ${summary.failed} in ${(summary.elapsedMs / 1000).toFixed(1)} s${perAnswer}`,
    );
    if (summary.failures.length) console.log(`${summary.failures.length} file(s) had failures (a rerun tries them again):`);
    for (const f of summary.failures) console.log(`  ${f.file}: ${f.message}`);
    if (summary.outputs.length) console.log(`wrote ${isPerFile(format) ? `${summary.outputs.length} files under ${out}` : out}`);
    if (summary.state === 'cancelled') {
      console.log('interrupted: run the same command again to resume');
      return 130;
    }
    const nothingAnswered = summary.answered + summary.skipped === 0;
    return nothingAnswered && summary.failures.length > 0 ? 1 : 0;
  },
};
