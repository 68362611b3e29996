import { randomUUID } from 'node:crypto';
import { ApiError } from '../../src-common/api/errors';
import type { DecodingSettings } from '../../src-common/api/inference';
import type { Exchange, LibraryDoc, Region } from '../../src-common/api/library';
import type { AppEvents } from '../api/app-events';
import { AudioService } from '../audio/audio-service';
import type { AppHome } from '../core/app-home';
import type { SettingsStore } from '../core/settings';
import type { EngineClient } from '../engine/engine-client';
import type { ChosenFiles } from '../files/chosen-files';
import { audioFingerprint } from '../library/fingerprint';
import type { LibraryStore } from '../library/library-store';
import { numberRegions } from '../library/region-numbers';
import { loadBundle } from '../models/bundle';
import { capabilitiesOf } from '../models/bundle-manifest';
import { DEFAULT_MODEL_ID, resolveModelDir } from '../models/resolve-model';
import { measure, routeFor } from './question-routing';

/** Earlier turns of a thread given to the model with a follow-up (AskRequestSchema's limit). */
export const MAX_HISTORY = 32;

export interface ChatDeps {
  files: ChosenFiles;
  store: LibraryStore;
  engine: EngineClient;
  events: AppEvents;
  settings: SettingsStore;
  home: AppHome;
  bundledModels: string;
  /** The app's audio service, for measured answers (tests that need none get one of their own). */
  audio?: AudioService;
}

export interface AskInput {
  fileId: string;
  regionId: string | null;
  question: string;
  decoding: DecodingSettings;
  modelId?: string;
  /** Ask the model even though the question is outside its training. */
  anyway?: boolean;
  /** Send no earlier turns, even to a model trained on conversations. */
  fresh?: boolean;
  /** A new conversation began at this time (ISO 8601): earlier turns are not sent. */
  historySince?: string;
  /** Start of the heard part of a region longer than the model hears (null or absent: the region's start). */
  heardStart?: number | null;
}

interface Redo {
  of: Exchange;
  prefill: number[];
}

/**
 * Regions and questions for the open files: every question is about a region (or the whole file) and goes through
 * the question router first: the model answers what it was trained for, the app's measurement answers level,
 * clipping and format questions, and a question outside the model's training is answered only when the user asks
 * anyway. Earlier questions and answers of the region go with a question only to a model trained on conversations,
 * and not when the user asks fresh. Every answer is saved with its provenance, route and full denoising trace. The
 * exchange is saved as `pending` before the engine starts, so a crash leaves a record.
 */
export class ChatService {
  private readonly fingerprints = new Map<string, Promise<string>>();
  /** Questions in flight by exchange id; aborting one cancels it in the engine. */
  private readonly running = new Map<string, AbortController>();

  private readonly audio: AudioService;

  constructor(private readonly deps: ChatDeps) {
    this.audio = deps.audio ?? new AudioService(deps.home.cache);
  }

  private async locate(fileId: string): Promise<{ fingerprint: string; name: string; path: string }> {
    const file = this.deps.files.get(fileId);
    let fingerprint = this.fingerprints.get(file.path);
    if (!fingerprint) {
      fingerprint = audioFingerprint(file.path);
      this.fingerprints.set(file.path, fingerprint);
    }
    return { fingerprint: await fingerprint, name: file.name, path: file.path };
  }

  async library(fileId: string): Promise<LibraryDoc> {
    const { fingerprint, name } = await this.locate(fileId);
    return this.deps.store.get(fingerprint, name);
  }

  async saveRegion(fileId: string, region: Region): Promise<LibraryDoc> {
    if (region.end <= region.start) throw new ApiError('bad_request', 'A region must end after it starts');
    const { fingerprint, name } = await this.locate(fileId);
    return this.deps.store.update(fingerprint, name, (doc) => {
      const index = doc.regions.findIndex((r) => r.id === region.id);
      // A moved or renamed region keeps its number even when the page did not send it.
      if (index >= 0) doc.regions[index] = { ...region, number: region.number ?? doc.regions[index]?.number };
      else doc.regions.push(region);
      numberRegions(doc);
    });
  }

  /** Changes many regions in one save (an imported tier may hold thousands of intervals). */
  async updateRegions(fileId: string, change: (regions: Region[]) => Region[]): Promise<LibraryDoc> {
    const { fingerprint, name } = await this.locate(fileId);
    return this.deps.store.update(fingerprint, name, (doc) => {
      doc.regions = change(doc.regions);
      numberRegions(doc);
    });
  }

  async deleteRegion(fileId: string, regionId: string): Promise<LibraryDoc> {
    const { fingerprint, name } = await this.locate(fileId);
    return this.deps.store.update(fingerprint, name, (doc) => {
      doc.regions = doc.regions.filter((r) => r.id !== regionId);
    });
  }

  /**
   * Re-denoises the span of an answer the model was least sure of: tokens committed with confidence below
   * `belowConfidence` go back to the mask, the rest stay, and the same question runs again on the same history.
   */
  async redenoise(fileId: string, exchangeId: string, belowConfidence: number): Promise<Exchange> {
    const doc = await this.library(fileId);
    const original = doc.exchanges.find((e) => e.id === exchangeId);
    if (!original?.answer) throw new ApiError('not_found', 'There is no finished answer to re-denoise');
    const mask = loadBundle(resolveModelDir(original.modelId, this.deps.home, this.deps.bundledModels)).manifest.special_tokens.mask;
    const confidence = new Map<number, number>();
    for (const step of original.trace) for (const c of step.committed) confidence.set(c.position, c.confidence);
    const prefill = original.answer.tokens.map((token, position) => ((confidence.get(position) ?? 1) < belowConfidence ? mask : token));
    if (!prefill.includes(mask)) throw new ApiError('bad_request', `No token of this answer has a confidence below ${belowConfidence}`);
    const decoding = { ...original.decoding, genLength: original.answer.genLength };
    const heardStart = original.answer.heard?.start ?? null;
    const again = { fileId, regionId: original.regionId, question: original.question, decoding, modelId: original.modelId, heardStart };
    return this.ask({ ...again, anyway: original.askedAnyway, fresh: original.historyTurns === 0 }, { of: original, prefill });
  }

  async ask(input: AskInput, redo?: Redo): Promise<Exchange> {
    const { fingerprint, name, path } = await this.locate(input.fileId);
    const doc = await this.deps.store.get(fingerprint, name);
    const region = input.regionId === null ? null : doc.regions.find((r) => r.id === input.regionId);
    if (input.regionId !== null && !region) throw new ApiError('not_found', 'That region no longer exists');
    const modelId = input.modelId ?? DEFAULT_MODEL_ID;
    const modelDir = resolveModelDir(modelId, this.deps.home, this.deps.bundledModels);
    const { manifest } = loadBundle(modelDir);
    const { question, decision } = routeFor(input.question, manifest);
    const toModel = decision.route === 'trained' || (decision.route === 'outside' && input.anyway === true);
    // Earlier finished model answers about the same region, oldest first — only for a model trained on them.
    const earlier = redo ? doc.exchanges.slice(0, doc.exchanges.indexOf(redo.of)) : doc.exchanges;
    const withHistory = toModel && capabilitiesOf(manifest).multi_turn && input.fresh !== true;
    const history = !withHistory
      ? []
      : earlier
          .filter((e) => e.regionId === input.regionId && e.status === 'done' && e.answer && e.redenoiseOf === null)
          .filter((e) => input.historySince === undefined || e.askedAt >= input.historySince)
          .map((e) => ({ question: e.question, answer: e.answer?.answer ?? '' }))
          // The engine takes at most MAX_HISTORY turns: a long thread keeps its latest ones (it failed every ask past 32).
          .slice(-MAX_HISTORY);

    const exchange: Exchange = {
      id: randomUUID(),
      regionId: input.regionId,
      span: { start: region?.start ?? 0, end: region?.end ?? null },
      question,
      askedAt: new Date().toISOString(),
      modelId,
      decoding: input.decoding,
      status: 'pending',
      answer: null,
      trace: [],
      error: null,
      redenoiseOf: redo?.of.id ?? null,
      route: decision.route,
      task: decision.route === 'trained' ? decision.task : null,
      measured: null,
      askedAnyway: decision.route === 'outside' && input.anyway === true,
      suggestions: decision.route === 'outside' ? decision.suggestions : [],
      historyTurns: history.length,
    };
    if (!toModel) return this.answerWithoutModel(exchange, decision.route === 'measured' ? decision.measure : null, input.fileId, path);

    this.deps.store.live.add(exchange.id);
    await this.deps.store.update(fingerprint, name, (d) => d.exchanges.push(exchange));
    const cancel = new AbortController();
    this.running.set(exchange.id, cancel);

    const provider = this.deps.settings.get().provider;
    void (async () => {
      try {
        exchange.answer = await this.deps.engine.ask(
          {
            modelDir,
            audioPath: path,
            start: exchange.span.start,
            end: exchange.span.end,
            heardStart: input.heardStart ?? null,
            question,
            history,
            decoding: input.decoding,
            provider,
            prefill: redo?.prefill ?? null,
          },
          {
            onStep: (step) => {
              exchange.trace.push(step);
              this.deps.events.emit('chat.step', { fileId: input.fileId, exchangeId: exchange.id, step });
            },
            signal: cancel.signal,
          },
        );
        exchange.status = 'done';
      } catch (error) {
        const apiError = ApiError.wrap(error);
        exchange.status = apiError.code === 'cancelled' ? 'cancelled' : 'failed';
        exchange.error = apiError.message;
      } finally {
        this.running.delete(exchange.id);
        this.deps.store.live.delete(exchange.id);
        const saved = await this.deps.store
          .update(fingerprint, name, (d) => {
            const index = d.exchanges.findIndex((e) => e.id === exchange.id);
            if (index >= 0) d.exchanges[index] = exchange;
          })
          .catch((error: Error) => {
            exchange.status = 'failed';
            exchange.error = `The answer could not be saved: ${error.message}`;
            return null;
          });
        if (saved || exchange.status === 'failed') {
          // The steps went out one by one as `chat.step`: the end carries the exchange without them.
          this.deps.events.emit('chat.updated', { fileId: input.fileId, exchange: { ...exchange, trace: [] }, traceLength: exchange.trace.length });
        }
      }
    })();
    return exchange;
  }

  /** Cancels every question in flight (each is saved as cancelled, with the steps it had). */
  dispose(): void {
    for (const job of this.running.values()) job.abort();
  }

  /** A measured answer (from the region's facts), or a question outside the model's training left unanswered. */
  private async answerWithoutModel(exchange: Exchange, what: Parameters<typeof measure>[2] | null, fileId: string, path: string): Promise<Exchange> {
    const { fingerprint, name } = await this.locate(fileId);
    if (what) {
      try {
        exchange.measured = await measure(this.audio, path, what, exchange.span.start, exchange.span.end);
        exchange.status = 'done';
      } catch (error) {
        exchange.status = 'failed';
        exchange.error = `The region could not be measured: ${ApiError.wrap(error).message}`;
      }
    } else exchange.status = 'done';
    await this.deps.store.update(fingerprint, name, (d) => d.exchanges.push(exchange));
    this.deps.events.emit('chat.updated', { fileId, exchange, traceLength: exchange.trace.length });
    return exchange;
  }

  async cancel(exchangeId: string): Promise<boolean> {
    const job = this.running.get(exchangeId);
    if (!job) return false;
    job.abort();
    return true;
  }
}
