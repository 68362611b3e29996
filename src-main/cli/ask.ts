import { resolve } from 'node:path';
import type { StepEventView } from '../../src-common/api/inference';
import { loadBundle } from '../models/bundle';
import { resolveModelDir } from '../models/resolve-model';
import { answerJson } from './answer-json';
import { withApp } from './app-session';
import { type Command, secondsOption as seconds, UsageError } from './command';
import { DECODING_OPTIONS, DECODING_USAGE, parseDecoding } from './decoding-options';

/** Draws the generation window: committed tokens as text, masked slots as ░. */
function renderWindow(slots: (string | null)[]): string {
  return slots.map((s) => (s === null ? '░' : s)).join(' ');
}

export const askCommand: Command = {
  name: 'ask',
  summary: 'Ask one question about an audio file or a region of it',
  usage: `Usage: npm run diffa -- ask --audio FILE --question "…" [--model DIR|ID] [--start S --end E] [options]

  --audio FILE       the audio file
  --question TEXT    what to ask ("What kind of sound is this?")
  --model DIR|ID     a model bundle folder or an installed model id (default: the bundled diffa-tiny)
  --start S --end E  the region, in seconds (default: the whole file)
${DECODING_USAGE}
  --json             print the answer with its provenance and timings as JSON
  --trace            include every denoising step (with --json: a "steps" array; otherwise printed live)`,
  options: {
    audio: { type: 'string' },
    question: { type: 'string' },
    model: { type: 'string' },
    start: { type: 'string' },
    end: { type: 'string' },
    json: { type: 'boolean' },
    trace: { type: 'boolean' },
    ...DECODING_OPTIONS,
  },
  async run(values) {
    if (typeof values.audio !== 'string') throw new UsageError('--audio FILE is required');
    if (typeof values.question !== 'string' || values.question.trim() === '') throw new UsageError('--question "…" is required');
    const start = seconds(values, 'start');
    const end = seconds(values, 'end');
    if (start !== null && end !== null && end <= start) throw new UsageError('--end must be after --start');
    const { decoding, provider } = parseDecoding(values);
    const json = values.json === true;
    const trace = values.trace === true;

    const steps: StepEventView[] = [];
    const answer = await withApp(values.home, async ({ home, engine }) => {
      const modelDir = resolveModelDir(values.model as string | undefined, home);
      const genLength = decoding.genLength ?? loadBundle(modelDir).manifest.decoding.gen_length;
      const slots: (string | null)[] = Array(genLength).fill(null);
      const interrupted = new AbortController();
      const stop = () => interrupted.abort();
      process.once('SIGINT', stop);
      const onStep = (data: StepEventView) => {
        if (trace) steps.push(data);
        if (trace && !json) {
          for (const c of data.committed) slots[c.position] = c.text;
          const window = renderWindow(Array.from({ length: Math.max(slots.length, ...data.committed.map((c) => c.position + 1)) }, (_, i) => slots[i] ?? null));
          console.log(`step ${String(data.step).padStart(3)}  ${window}`);
        }
      };
      try {
        const request = { modelDir, audioPath: resolve(values.audio as string), start, end, question: values.question as string, decoding, provider };
        return await engine.ask(request, { onStep, signal: interrupted.signal });
      } finally {
        process.off('SIGINT', stop);
      }
    });

    if (json) console.log(JSON.stringify(answerJson(answer, trace ? steps : undefined), null, 2));
    else {
      console.log(answer.answer);
      if (answer.truncated) console.error(`(the model heard only the first ${answer.heardSeconds} s of the region)`);
    }
    return 0;
  },
};
