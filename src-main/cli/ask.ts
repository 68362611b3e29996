import { resolve } from 'node:path';
import type { StepEventView } from '../../src-common/api/inference';
import { isNoAnswer } from '../../src-common/routing/confidence';
import { measure, outsideMessage, routeFor } from '../chat/question-routing';
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
  --anyway           ask the model even when the question is outside its training (the answer is marked)
  --json             print the answer with its provenance, timings and "route" as JSON
  --trace            include every denoising step (with --json: a "steps" array; otherwise printed live)`,
  options: {
    audio: { type: 'string' },
    question: { type: 'string' },
    model: { type: 'string' },
    start: { type: 'string' },
    end: { type: 'string' },
    json: { type: 'boolean' },
    trace: { type: 'boolean' },
    anyway: { type: 'boolean' },
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
    // The app's own services (the same composition root as the app): its home, audio measurements and engine, which
    // answers this one question in the CLI's own process (no second Node process to start).
    return withApp(
      values.home,
      async ({ home, audio, engine }) => {
        const modelDir = resolveModelDir(values.model as string | undefined, home);

        const { manifest } = loadBundle(modelDir);
        const { question, decision } = routeFor(values.question as string, manifest);
        const audioPath = resolve(values.audio as string);
        // Measured questions are answered from the app's own measurement of the region, never by the model.
        if (decision.route === 'measured') {
          const measured = await measure(audio, audioPath, decision.measure, start, end);
          if (json) {
            const region = { start: start ?? 0, end };
            console.log(JSON.stringify({ route: 'measured', answer: measured.text, question, region, measured }, null, 2));
          } else console.log(`${measured.text}\n(measured by the app: ${measured.standard})`);
          return 0;
        }
        const anyway = values.anyway === true;
        if (decision.route === 'outside' && !anyway) {
          const message = outsideMessage(manifest.name, decision.suggestions);
          if (json)
            console.log(JSON.stringify({ route: 'outside', answer: null, question, reason: decision.reason, can_answer: decision.suggestions }, null, 2));
          else console.error(`${message}\nAdd --anyway to ask it all the same.`);
          return json ? 0 : 3;
        }

        const steps: StepEventView[] = [];
        const genLength = decoding.genLength ?? manifest.decoding.gen_length;
        const answer = await (async () => {
          const slots: (string | null)[] = Array(genLength).fill(null);
          const interrupted = new AbortController();
          const stop = () => interrupted.abort();
          process.once('SIGINT', stop);
          const onStep = (data: StepEventView) => {
            if (trace) steps.push(data);
            if (trace && !json) {
              for (const c of data.committed) slots[c.position] = c.text;
              const window = renderWindow(
                Array.from({ length: Math.max(slots.length, ...data.committed.map((c) => c.position + 1)) }, (_, i) => slots[i] ?? null),
              );
              console.log(`step ${String(data.step).padStart(3)}  ${window}`);
            }
          };
          try {
            const request = { modelDir, audioPath, start, end, question, decoding, provider };
            return await engine.ask(request, { onStep, signal: interrupted.signal });
          } finally {
            process.off('SIGINT', stop);
          }
        })();

        const route = { route: decision.route, task: decision.route === 'trained' ? decision.task : null, outside_training: decision.route === 'outside' };
        if (json) console.log(JSON.stringify({ ...route, ...answerJson(answer, trace ? steps : undefined) }, null, 2));
        else {
          if (isNoAnswer(answer.answer)) console.log('No answer (the model gave only an end marker; try more --steps)');
          else console.log(answer.answer);
          if (answer.confidence?.unsure)
            console.error(
              `(unsure: the least confident word scored ${answer.confidence.least?.toFixed(2)}, below the model's ${answer.confidence.unsureBelow})`,
            );
          if (decision.route === 'outside') console.error(`(outside training: ${manifest.name} was not trained for this question)`);
          if (answer.truncated) console.error(`(the model heard only the first ${answer.heardSeconds} s of the region)`);
        }
        return 0;
      },
      'in-process',
    );
  },
};
