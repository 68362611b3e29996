import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ApiError } from '../../src-common/api/errors';
import type { DecodingSettings } from '../../src-common/api/inference';
import { FORMAT_FILES } from '../../src-common/interchange/formats';
import type { AppEvents } from '../api/app-events';
import type { AppHome } from '../core/app-home';
import type { SettingsStore } from '../core/settings';
import type { EngineClient } from '../engine/engine-client';
import type { ChosenFiles } from '../files/chosen-files';
import { DEFAULT_MODEL_ID, resolveModelDir } from '../models/resolve-model';
import { type BatchFormat, isPerFile, planBatch } from './batch-plan';
import { runBatch } from './batch-run';

export interface BatchStartInput {
  fileIds: string[];
  questions: string[];
  tier?: string;
  format: BatchFormat;
  modelId?: string;
  decoding: DecodingSettings;
}

/**
 * Batches started from the page: open files × questions on the app's engine (queued with chat questions), outputs in
 * `<home>/exports/batch-<time>/`, progress as `batch.progress` events. The same planner and runner as the CLI.
 */
export class BatchService {
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly services: { files: ChosenFiles; engine: EngineClient; events: AppEvents; settings: SettingsStore; home: AppHome; bundledModels: string },
  ) {}

  /** Cancels every batch still running (each keeps the answers it has, and resumes on a rerun). */
  dispose(): void {
    for (const controller of this.running.values()) controller.abort();
  }

  async start(input: BatchStartInput): Promise<{ batchId: string; outPath: string; total: number }> {
    const { files, home, settings, events, engine } = this.services;
    const inputs = input.fileIds.map((id) => files.get(id).path);
    const modelDir = resolveModelDir(input.modelId ?? DEFAULT_MODEL_ID, home, this.services.bundledModels);
    const batchId = randomUUID();
    const folder = join(home.root, 'exports', `batch-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    const outPath = isPerFile(input.format) ? folder : join(folder, `answers${FORMAT_FILES[input.format].extension}`);
    const provider = settings.get().provider;
    const plan = await planBatch({
      inputs,
      questions: input.questions,
      tier: input.tier,
      format: input.format,
      out: outPath,
      modelDir,
      decoding: input.decoding,
      provider,
    });
    const controller = new AbortController();
    this.running.set(batchId, controller);
    void runBatch(plan, engine, {
      signal: controller.signal,
      onProgress: (p) => events.emit('batch.progress', { ...p, batchId, outPath }),
    })
      .catch((error) => {
        const message = ApiError.wrap(error).message;
        events.emit('batch.progress', {
          batchId,
          outPath,
          total: plan.total,
          answered: 0,
          skipped: 0,
          failed: plan.total,
          current: null,
          elapsedMs: 0,
          etaMs: null,
          state: 'failed',
          failure: { file: '', message },
        });
      })
      .finally(() => this.running.delete(batchId));
    return { batchId, outPath, total: plan.total };
  }

  cancel(batchId: string): boolean {
    const controller = this.running.get(batchId);
    controller?.abort();
    return controller !== undefined;
  }
}
