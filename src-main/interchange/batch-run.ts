import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { ApiError } from '../../src-common/api/errors';
import type { Answer } from '../../src-common/api/inference';
import { type Exchange, ExchangeSchema, type MeasuredAnswerView } from '../../src-common/api/library';
import { exportText } from '../../src-common/interchange/formats';
import { exchangeRecord, writeCsv, writeJsonLines } from '../../src-common/interchange/records';
import type { RouteDecision } from '../../src-common/routing/router';
import { AudioService } from '../audio/audio-service';
import { measure, routeFor } from '../chat/question-routing';
import type { EngineClient } from '../engine/engine-client';
import { writeFileAtomic } from '../library/atomic-write';
import { loadBundle } from '../models/bundle';
import type { BatchItem, BatchPlan, PlannedFile } from './batch-plan';
import { isPerFile } from './batch-plan';
import { BatchState } from './batch-state';
import { exportSourceFor } from './export-file';

export interface BatchProgress {
  total: number;
  /** Items answered in this run. */
  answered: number;
  /** Items found finished in the state file and skipped. */
  skipped: number;
  failed: number;
  /** The file being asked about now. */
  current: string | null;
  elapsedMs: number;
  etaMs: number | null;
  state: 'running' | 'finished' | 'cancelled';
  /** The latest failure, once, as it happens. */
  failure: { file: string; message: string } | null;
}

export interface BatchSummary extends BatchProgress {
  failures: { file: string; message: string }[];
  /** Sum of the engine's own per-answer times (Answer.timings.totalMs) for the answers of this run. */
  engineMs: number;
  outputs: string[];
}

export interface BatchHooks {
  onProgress?: (progress: BatchProgress) => void;
  signal?: AbortSignal;
  /** Questions kept in the engine's queue at once (default 2; 1 only to measure what the second one buys). */
  inFlight?: number;
}

/** Answers run back to back in the engine's queue; a second one waits there so the engine never idles between them. */
const IN_FLIGHT = 2;
// These failures are about the file, not the question: its other items are not tried.
const FILE_ERRORS = new Set(['bad_audio', 'not_found']);

/**
 * Runs a planned batch on one engine (the model loads once, before the first answer). Each answer is recorded in
 * the state file as it arrives; a file's output is written as soon as all its items are settled, csv/jsonl are
 * rewritten from every finished answer (every 2 s at most, and at the end). A failing item or file is reported and the run goes on.
 */
export async function runBatch(plan: BatchPlan, engine: EngineClient, hooks: BatchHooks = {}): Promise<BatchSummary> {
  const { options } = plan;
  const started = performance.now();
  const state = await BatchState.open(plan.statePath);
  const failures: { file: string; message: string }[] = [];
  const outputs: string[] = [];
  const progress: BatchProgress = {
    total: plan.total,
    answered: 0,
    skipped: 0,
    failed: 0,
    current: null,
    elapsedMs: 0,
    etaMs: null,
    state: 'running',
    failure: null,
  };
  let engineMs = 0;
  const emit = (failure: BatchProgress['failure'] = null) => {
    progress.elapsedMs = performance.now() - started;
    const left = progress.total - progress.answered - progress.skipped - progress.failed;
    progress.etaMs = progress.answered > 0 ? (progress.elapsedMs / progress.answered) * left : null;
    hooks.onProgress?.({ ...progress, failure });
  };
  // A file is reported once, with its first failure; its later failures only count.
  const fail = (file: PlannedFile, message: string, items: number) => {
    progress.failed += items;
    if (failures.some((f) => f.file === file.label)) return emit();
    failures.push({ file: file.label, message });
    emit({ file: file.label, message });
  };

  const queue: { file: PlannedFile; item: BatchItem }[] = [];
  const remaining = new Map<PlannedFile, number>();
  const brokenFiles = new Set<PlannedFile>();
  for (const file of plan.files) {
    if (file.error) fail(file, file.error, 0);
    const todo = file.items.filter((item) => !state.get(item.key));
    progress.skipped += file.items.length - todo.length;
    remaining.set(file, todo.length);
    for (const item of todo) queue.push({ file, item });
  }
  emit();
  const { manifest } = loadBundle(options.modelDir);
  // Measuring writes nothing: the service's cache folder is only named, never used, for region facts.
  const audio = new AudioService(tmpdir());
  if (queue.length) await engine.load(options.modelDir, options.provider);

  // Writes one at a time: two workers may finish files together, and csv/jsonl is one file rewritten by both.
  let writing: Promise<void> = Promise.resolve();
  const write = (file: PlannedFile) => {
    writing = writing.then(() =>
      writeOutputs(plan, state, file, outputs).catch((error: Error) => fail(file, `its output could not be written: ${error.message}`, 0)),
    );
    return writing;
  };
  // csv/jsonl is rewritten from every answer, so at most every 2 s (and once at the end): linear, not quadratic.
  const perFile = isPerFile(options.format);
  let lastShared = Number.NEGATIVE_INFINITY;
  const settle = async (file: PlannedFile) => {
    const left = (remaining.get(file) ?? 1) - 1;
    remaining.set(file, left);
    if (left > 0 || (!perFile && performance.now() - lastShared < 2000)) return;
    lastShared = performance.now();
    await write(file);
  };
  // Files with nothing left to ask still get their output (a rerun after outputs were deleted, or a finished run).
  if (perFile) for (const file of plan.files) if (remaining.get(file) === 0 && file.items.length) await write(file);

  const worker = async () => {
    for (let next = queue.shift(); next && !hooks.signal?.aborted; next = queue.shift()) {
      const { file, item } = next;
      if (brokenFiles.has(file)) {
        progress.failed++;
        await settle(file);
        continue;
      }
      progress.current = file.label;
      try {
        // Every question goes through the router: measured ones are answered from the region's facts, ones outside
        // the model's training are recorded unanswered unless the run asks anyway.
        const { question, decision } = routeFor(item.question, manifest);
        if (decision.route === 'measured') {
          const measured = await measure(audio, item.input, decision.measure, item.start, item.end);
          await state.record(item.key, exchangeOf(plan, { ...item, question }, decision, null, measured, manifest.id));
        } else if (decision.route === 'outside' && !plan.options.anyway) {
          await state.record(item.key, exchangeOf(plan, { ...item, question }, decision, null, null, manifest.id));
        } else {
          const answer = await ask(engine, plan, { ...item, question }, hooks.signal);
          engineMs += answer.timings.totalMs;
          await state.record(item.key, exchangeOf(plan, { ...item, question }, decision, answer, null));
        }
        progress.answered++;
        emit();
      } catch (error) {
        const apiError = ApiError.wrap(error);
        if (hooks.signal?.aborted && apiError.code === 'cancelled') break;
        if (FILE_ERRORS.has(apiError.code)) brokenFiles.add(file);
        fail(file, apiError.message, 1);
      }
      await settle(file);
    }
  };
  try {
    await Promise.all(Array.from({ length: hooks.inFlight ?? IN_FLIGHT }, worker));
  } finally {
    await state.flushed();
  }
  // Interrupted files still get what was answered, so a cancelled run leaves usable partial outputs.
  if (perFile && hooks.signal?.aborted) for (const file of plan.files) if ((remaining.get(file) ?? 0) > 0) await write(file);
  const first = plan.files.find((f) => f.items.length > 0);
  if (!perFile && first) await write(first);
  await writing;
  progress.current = null;
  progress.state = hooks.signal?.aborted ? 'cancelled' : 'finished';
  emit();
  return { ...progress, failure: null, failures, engineMs, outputs: [...new Set(outputs)] };
}

/** Step events are not needed here; the run's signal cancels every question in flight. */
function ask(engine: EngineClient, plan: BatchPlan, item: BatchItem, signal: AbortSignal | undefined): Promise<Answer> {
  const { options } = plan;
  const request = {
    modelDir: options.modelDir,
    audioPath: item.input,
    start: item.start,
    end: item.end,
    question: item.question,
    decoding: options.decoding,
    provider: options.provider,
  };
  return engine.ask(request, { signal });
}

function exchangeOf(
  plan: BatchPlan,
  item: BatchItem,
  decision: RouteDecision,
  answer: Answer | null,
  measured: MeasuredAnswerView | null,
  modelId = '',
): Exchange {
  return ExchangeSchema.parse({
    id: randomUUID(),
    regionId: item.regionId,
    span: { start: item.start, end: item.end },
    question: item.question,
    askedAt: new Date().toISOString(),
    modelId: answer?.model.id ?? modelId,
    decoding: plan.options.decoding,
    status: 'done',
    answer,
    trace: [],
    error: null,
    route: decision.route,
    task: decision.route === 'trained' ? decision.task : null,
    measured,
    askedAnyway: decision.route === 'outside' && answer !== null,
    suggestions: decision.route === 'outside' ? decision.suggestions : [],
  });
}

/** Per-file formats: this file's output. csv/jsonl: the whole output again, from every finished answer, in input order. */
async function writeOutputs(plan: BatchPlan, state: BatchState, file: PlannedFile, outputs: string[]): Promise<void> {
  const finished = (f: PlannedFile) => f.items.map((item) => state.get(item.key)).filter((e): e is Exchange => e !== undefined);
  const { format, out } = plan.options;
  if (isPerFile(format)) {
    const exchanges = finished(file);
    if (exchanges.length === 0) return;
    const source = await exportSourceFor(file.input, file.regions, exchanges, file.output);
    mkdirSync(dirname(file.output), { recursive: true });
    await writeFileAtomic(file.output, exportText(format as Exclude<typeof format, 'jsonl'>, source, new Date().toISOString()));
    outputs.push(file.output);
    return;
  }
  const records = plan.files.flatMap((f) => finished(f).map((e) => exchangeRecord(f.label, e, f.regions, 0)));
  await writeFileAtomic(out, format === 'csv' ? writeCsv(records) : writeJsonLines(records));
  outputs.push(out);
}
