import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
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

/** Most bytes of answers `output` sends to a page in one reply. */
const MAX_DOWNLOAD_BYTES = 32 << 20;

/**
 * Batches started from the page: open files × questions on the app's engine (queued with chat questions), outputs in
 * `<home>/exports/batch-<time>/`, progress as `batch.progress` events. The same planner and runner as the CLI.
 */
export class BatchService {
  private readonly running = new Map<string, AbortController>();
  /** Where each batch started here wrote, for `output` (only these folders can be read back). */
  private readonly outputs = new Map<string, { folder: string; outPath: string; format: BatchFormat }>();

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
    this.outputs.set(batchId, { folder, outPath, format: input.format });
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

  /**
   * The output files of a batch that has ended, as text: a browser cannot open the host's folder, so the page offers
   * them as downloads. Only batches started here are known, and only their own output files are read.
   */
  async output(batchId: string): Promise<{ files: { fileName: string; mimeType: string; text: string }[] }> {
    const entry = this.outputs.get(batchId);
    if (!entry) throw new ApiError('not_found', 'No batch with that id was run since the app started');
    if (this.running.has(batchId)) throw new ApiError('bad_request', 'The batch is still running: download its answers when it ends');
    const { extension, mimeType } = FORMAT_FILES[entry.format];
    const paths = isPerFile(entry.format)
      ? (await readdir(entry.outPath, { recursive: true }).catch(() => [] as string[]))
          .filter((name) => name.endsWith(extension))
          .map((name) => join(entry.outPath, name))
      : [entry.outPath];
    const files: { fileName: string; mimeType: string; text: string }[] = [];
    let bytes = 0;
    for (const path of paths.sort()) {
      const text = await readFile(path, 'utf8').catch(() => null);
      if (text === null) continue;
      bytes += Buffer.byteLength(text);
      if (bytes > MAX_DOWNLOAD_BYTES) {
        throw new ApiError('bad_request', `The answers are too large to download here (over ${MAX_DOWNLOAD_BYTES >> 20} MB): they are in ${entry.folder}`);
      }
      // Per-file outputs keep their folders in the name ("speakers_a.TextGrid"): a download has no folders.
      files.push({ fileName: relative(entry.folder, path).replace(/[\\/]/g, '_'), mimeType, text });
    }
    return { files };
  }

  cancel(batchId: string): boolean {
    const controller = this.running.get(batchId);
    controller?.abort();
    return controller !== undefined;
  }
}
