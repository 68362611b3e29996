import type { StepEventView } from '../../src-common/api/inference';
import { answerConfidence, DEFAULT_UNSURE_BELOW } from '../../src-common/routing/confidence';
import { routeFor } from '../chat/question-routing';
import { calibrateThreshold, type ScoredAnswer, splitByConfidence } from '../eval/confidence-report';
import { normalizeAnswer, readEvalSet, scoreAnswers } from '../eval/eval-set';
import { loadBundle } from '../models/bundle';
import { capabilitiesOf } from '../models/bundle-manifest';
import { resolveModelDir } from '../models/resolve-model';
import { withApp } from './app-session';
import { type Command, UsageError } from './command';
import { DECODING_OPTIONS, DECODING_USAGE, parseDecoding } from './decoding-options';

export const evalCommand: Command = {
  name: 'eval',
  summary: "Measure a model's accuracy on an eval folder (index.jsonl) or a published benchmark (MMAU, MMSU, MMAR)",
  usage: `Usage: npm run diffa -- eval --set DIR [--model DIR|ID] [--json] [--limit N] [--ablate silence] [options]
       npm run diffa -- eval --format mmau|mmsu|mmar FILE [--accelerate] [--audio-dir DIR] [--out FILE] [--model DIR|ID]
                             [--json] [--limit N] [options]

  --format F FILE    a published benchmark (MMAU, MMSU or MMAR JSON / JSON Lines) asked and scored as DIFFA-2's scripts
                     do: their prompt, 16 steps, one block of 16, 16 new tokens, greedy, no cache; the output matched
                     to a choice by the benchmark's rule; accuracy overall and per category (docs/diffa2.md)
  --accelerate       DIFFA-2's --accelerate: the factor sampler (factor 1) instead of low-confidence remasking
  --audio-dir DIR    where the file's audio paths start (default: the file's folder)
  --out FILE         the file's entries with the model's output under the keys the benchmark's own scorer reads

  --set DIR          folder with index.jsonl: {"audio","start","end","task","question","answer"} per line
  --model DIR|ID     a model bundle folder or an installed model id (default: the bundled diffa-tiny)
  --limit N          only the first N items
  --ablate silence   replace every region by silence of the same length (a model that listens falls to chance)
  --anyway           also ask questions the router finds outside the model's training (default: counted, not asked)
  --calibrate        find the "unsure" threshold that best separates right from wrong answers on this set
${DECODING_USAGE}
  --json             {"tasks": {"<task>": {"n", "accuracy", "word_error_rate"}}, "overall", "empty_answers",
                     "conditions" (items with a "condition": accuracy per condition and task), "routes", "confidence",
                     "answers_per_s", …}`,
  options: {
    set: { type: 'string' },
    model: { type: 'string' },
    json: { type: 'boolean' },
    limit: { type: 'string' },
    ablate: { type: 'string' },
    anyway: { type: 'boolean' },
    calibrate: { type: 'boolean' },
    format: { type: 'string' },
    accelerate: { type: 'boolean' },
    'audio-dir': { type: 'string' },
    out: { type: 'string' },
    ...DECODING_OPTIONS,
  },
  async run(values, positionals) {
    if (values.format !== undefined) return (await import('./eval-mcq')).runMcqEval(values, positionals);
    const setDir = values.set;
    if (typeof setDir !== 'string') throw new UsageError('--set DIR is required');
    const ablation = values.ablate ?? 'none';
    if (ablation !== 'none' && ablation !== 'silence') throw new UsageError('--ablate must be "silence"');
    const limit = values.limit === undefined ? Number.POSITIVE_INFINITY : Number(values.limit);
    if (!(limit > 0)) throw new UsageError('--limit must be a positive number');
    const { decoding, provider } = parseDecoding(values);
    // The app's own services (the same composition root as the app): its home and engine.
    return withApp(values.home, async ({ home, engine }) => {
      const modelDir = resolveModelDir(values.model as string | undefined, home);
      const items = readEvalSet(setDir).slice(0, limit);
      const json = values.json === true;

      const { manifest } = loadBundle(modelDir);
      const unsureBelow = capabilitiesOf(manifest).unsure_below ?? DEFAULT_UNSURE_BELOW;
      const routes = { trained: 0, measured: 0, outside: 0, asked_anyway: 0 };
      const scored: ScoredAnswer[] = [];
      const results: { task: string; expected: string; answer: string; condition?: string; forwardPasses: number; tokens: number; positions: number }[] = [];
      const cacheUsed = new Set<string>();
      let failures = 0;
      let started = 0;
      await (async () => {
        await engine.load(modelDir, provider);
        started = performance.now();
        for (const [index, item] of items.entries()) {
          // The set's questions go through the router like any other: measured and outside ones are counted, not asked.
          const { question, decision } = routeFor(item.question, manifest);
          routes[decision.route]++;
          if (decision.route === 'measured' || (decision.route === 'outside' && values.anyway !== true)) continue;
          if (decision.route === 'outside') routes.asked_anyway++;
          try {
            const steps: StepEventView[] = [];
            const request = { modelDir, audioPath: item.path, start: item.start, end: item.end, question, decoding, provider };
            const answer = await engine.ask({ ...request, ablation: ablation as 'none' | 'silence' }, { onStep: (step) => steps.push(step) });
            results.push({
              task: item.task,
              expected: item.answer,
              answer: answer.answer,
              condition: item.condition,
              forwardPasses: answer.forwardPasses,
              tokens: answer.tokens.length,
              positions: answer.cache?.positionsComputed ?? 0,
            });
            scored.push({ correct: normalizeAnswer(answer.answer) === normalizeAnswer(item.answer), confidence: answerConfidence(steps) });
            cacheUsed.add(answer.cache ? `${answer.cache.used}${answer.cache.note ? ` (${answer.cache.note})` : ''}` : 'none');
          } catch (error) {
            failures++;
            results.push({ task: item.task, expected: item.answer, answer: '', condition: item.condition, forwardPasses: 0, tokens: 0, positions: 0 });
            console.error(`item ${index + 1} (${item.audio}): ${(error as Error).message}`);
          }
          if (!json && process.stderr.isTTY) process.stderr.write(`\r${index + 1}/${items.length}`);
        }
        if (!json && process.stderr.isTTY) process.stderr.write('\n');
      })();
      const seconds = (performance.now() - started) / 1000;
      const score = scoreAnswers(results);
      const passes = results.reduce((s, r) => s + r.forwardPasses, 0);
      const report = {
        model: modelDir,
        n: results.length,
        failures,
        ablation,
        tasks: score.tasks,
        overall: score.overall,
        empty_answers: score.empty_answers,
        ...(Object.keys(score.conditions).length ? { conditions: score.conditions } : {}),
        answers_per_s: results.length / seconds,
        forward_passes_per_answer: passes / Math.max(1, results.length),
        routes,
        confidence: splitByConfidence(scored, unsureBelow),
        ...(values.calibrate === true ? { calibrated: calibrateThreshold(scored) } : {}),
        ...(values.calibrate === true ? { answers: scored } : {}),
        cache: [...cacheUsed],
        positions_computed_per_answer: results.reduce((s, r) => s + r.positions, 0) / Math.max(1, results.length),
      };
      if (json) console.log(JSON.stringify(report, null, 2));
      else {
        for (const [task, t] of Object.entries(score.tasks)) {
          console.log(
            `${task.padEnd(12)} ${(100 * t.accuracy).toFixed(1).padStart(5)} %  (n=${t.n}, word error rate ${(100 * t.word_error_rate).toFixed(1)} %)`,
          );
        }
        for (const [condition, c] of Object.entries(score.conditions)) {
          console.log(`${`[${condition}]`.padEnd(12)} ${(100 * c.accuracy).toFixed(1).padStart(5)} %  (n=${c.n})`);
        }
        console.log(`${'overall'.padEnd(12)} ${(100 * score.overall).toFixed(1).padStart(5)} %  (${report.answers_per_s.toFixed(2)} answers/s)`);
        const c = report.confidence;
        const pct = (a: number | null) => (a === null ? '–' : `${(100 * a).toFixed(1)} %`);
        console.log(
          `sure (≥ ${c.unsure_below}): ${pct(c.sure.accuracy)} of ${c.sure.n}; unsure: ${pct(c.unsure.accuracy)} of ${c.unsure.n}; no answer: ${c.no_answer}`,
        );
        console.log(`routes: ${routes.trained} trained, ${routes.measured} measured, ${routes.outside} outside (${routes.asked_anyway} asked anyway)`);
        if (report.calibrated) console.log(`calibrated unsure threshold: ${report.calibrated.threshold} (Youden's J ${report.calibrated.j.toFixed(3)})`);
        console.log(`cache ${report.cache.join(', ')}; ${report.positions_computed_per_answer.toFixed(0)} positions computed per answer`);
      }
      return failures === results.length && results.length > 0 ? 1 : 0;
    });
  },
};
