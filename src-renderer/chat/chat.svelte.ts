import type { Exchange } from '../../src-common/api/library';
import type { ModelDetails } from '../../src-common/api/model-details';
import type { ModelSummary, Settings } from '../../src-common/api/schemas';
import type { AudioFactsView } from '../../src-common/audio/schemas';
import { DisposableStore, toDisposable } from '../../src-common/lifecycle';
import { checkQuestion } from '../../src-common/routing/question-text';
import type { PageApi } from '../lib/api-session';
import type { KeyValueStorage, MediaWatch } from '../lib/env';
import type { HeardStore } from '../lib/stores/heard.svelte';
import type { ErrorSink } from '../lib/stores/toasts.svelte';
import type { WorkspaceStore } from '../lib/stores/workspace-store.svelte';
import { decodingProblem, type FullDecoding, type Preset, presetDecoding, relevantDecoding } from './logic';

const WIDTH_KEY = 'diffa.chat.width';
/** The chat remembers the model it asks under this key; the interchange forms start from the same one. */
export const CHAT_MODEL_KEY = 'diffa.chat.model';
const SCOPE_KEY = 'diffa.chat.scope';
export const MIN_WIDTH = 320;
export const MAX_WIDTH = 760;
const DEFAULT_WIDTH = 420;

export const clampWidth = (width: number) => Math.round(Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, width)));

type FactsState = { state: 'loading' } | { state: 'ready'; facts: AudioFactsView } | { state: 'error'; error: string };

export interface ChatDeps {
  api: PageApi;
  settings: { readonly current: Settings | null };
  heard: Pick<HeardStore, 'window'>;
  workspace: Pick<WorkspaceStore, 'selectedRegionId' | 'addExchange'>;
  toasts: ErrorSink;
  storage: KeyValueStorage;
  /** The system's `prefers-reduced-motion: reduce`. */
  reducedMotion: MediaWatch;
  /** The clock of `submittedAt` (the exchange view measures the time to the first step on the same clock). */
  now(): number;
}

/**
 * The chat panel's own state: installed models and the chosen one's manifest details, the decoding a question will
 * use (preset from the settings, the question's own changes on top), the panel's width, and what was asked for
 * (re-denoise thresholds, measured facts) in this page. Questions and answers themselves live in the workspace store.
 */
export class ChatStore {
  private readonly deps: ChatDeps;
  private readonly disposables = new DisposableStore();
  models = $state<ModelSummary[]>([]);
  modelId = $state<string | null>(null);
  details = $state<ModelDetails | null>(null);
  /** "Ask fresh": the next questions go without earlier answers, even to a model trained on conversations. */
  fresh = $state(false);
  /** "New conversation": per region (key '' for the whole file), the time from which earlier answers count. */
  conversationSince = $state<Record<string, string>>({});

  /** Earlier model answers of a region's thread that would go with the next question (the server applies the same rule). */
  historyOf(thread: Exchange[], regionId: string | null): Exchange[] {
    const since = this.conversationSince[regionId ?? ''] ?? '';
    return thread.filter((e) => e.status === 'done' && e.answer && e.redenoiseOf === null && e.askedAt >= since);
  }

  newConversation(regionId: string | null): void {
    this.conversationSince = { ...this.conversationSince, [regionId ?? '']: new Date().toISOString() };
  }
  /** The question's own decoding changes; cleared when the preset or the model changes. */
  overrides = $state<Partial<FullDecoding>>({});
  width = $state(DEFAULT_WIDTH);
  /** all: every question about the file; thread: only the selected region's. */
  scope = $state<'all' | 'thread'>('all');
  redenoiseThreshold = $state(0.5);
  /** Thresholds of the re-denoises started from this page, by the new exchange's id (which positions were kept). */
  redenoiseThresholds = $state<Record<string, number>>({});
  facts = $state<Record<string, FactsState>>({});
  /** Facts the person opened with the button (keyword questions open by themselves). */
  factsShown = $state<Record<string, boolean>>({});
  /** When each question was submitted (`now()`, the page's monotonic clock), for the time to the first step. */
  submittedAt = $state<Record<string, number>>({});
  /** ms from submit to the first step painted, by exchange id (this page's questions only). */
  firstStepMs = $state<Record<string, number>>({});
  asking = $state(false);
  systemReducedMotion = $state(false);

  // (read through a function: the deps are set in the constructor, after the fields; a derived is computed when read)
  preset: Preset = $derived.by(() => this.deps.settings.current?.decodingPreset ?? 'faithful');
  reducedMotion: boolean = $derived.by(() => Boolean(this.deps.settings.current?.reducedMotion) || this.systemReducedMotion);
  decoding: FullDecoding | null = $derived(this.details ? presetDecoding(this.preset, this.details.decoding, this.overrides) : null);
  /** Until the settings arrive the preset is unknown: a question asked then could use the wrong sampler. */
  problem: string | null = $derived.by(() =>
    !this.deps.settings.current ? 'The settings are not loaded yet.' : this.decoding ? decodingProblem(this.decoding) : 'The model is not loaded yet.',
  );

  constructor(deps: ChatDeps) {
    this.deps = deps;
    const { storage } = deps;
    this.modelId = storage.get(CHAT_MODEL_KEY);
    this.width = clampWidth(Number(storage.get(WIDTH_KEY)) || DEFAULT_WIDTH);
    this.scope = storage.get(SCOPE_KEY) === 'thread' ? 'thread' : 'all';
    this.systemReducedMotion = deps.reducedMotion.matches;
    this.disposables.add(
      toDisposable(
        deps.reducedMotion.on((reduce) => {
          this.systemReducedMotion = reduce;
        }),
      ),
    );
    this.disposables.add(toDisposable(deps.api.onConnected(() => void this.loadModels())));
  }

  dispose(): Promise<void> {
    return this.disposables.dispose();
  }

  async loadModels(): Promise<void> {
    try {
      this.models = await this.deps.api.request('models.list');
      const wanted = this.models.find((m) => m.id === this.modelId) ?? this.models.find((m) => m.id === 'diffa-tiny') ?? this.models[0];
      await this.chooseModel(wanted?.id ?? null);
    } catch (error) {
      this.deps.toasts.error(error, 'Cannot list the installed models');
    }
  }

  async chooseModel(id: string | null): Promise<void> {
    // A reconnect re-chooses the same model: the person's changes to the next question's decoding stay.
    if (id !== this.modelId || !this.details) this.overrides = {};
    this.modelId = id;
    if (id) this.deps.storage.set(CHAT_MODEL_KEY, id);
    if (!id) {
      this.details = null;
      return;
    }
    try {
      const details = await this.deps.api.request('models.details', { id });
      if (this.modelId === id) this.details = details;
    } catch (error) {
      if (this.modelId === id) this.details = null;
      this.deps.toasts.error(error, `Cannot read the model ${id}`);
    }
  }

  setOverride<K extends keyof FullDecoding>(key: K, value: FullDecoding[K] | undefined): void {
    const next = { ...this.overrides };
    if (value === undefined) delete next[key];
    else next[key] = value;
    this.overrides = next;
  }

  async setPreset(preset: Preset): Promise<void> {
    this.overrides = {};
    try {
      await this.deps.api.request('settings.update', { decodingPreset: preset });
    } catch (error) {
      this.deps.toasts.error(error, 'Cannot change the decoding preset');
    }
  }

  async setReducedMotion(on: boolean): Promise<void> {
    try {
      await this.deps.api.request('settings.update', { reducedMotion: on });
    } catch (error) {
      this.deps.toasts.error(error, 'Cannot change the motion setting');
    }
  }

  async setStepPace(pace: 'readable' | 'immediate'): Promise<void> {
    try {
      await this.deps.api.request('settings.update', { stepPace: pace });
    } catch (error) {
      this.deps.toasts.error(error, 'Cannot change how steps are shown');
    }
  }

  setWidth(width: number): void {
    this.width = clampWidth(width);
    this.deps.storage.set(WIDTH_KEY, String(this.width));
  }

  setScope(scope: 'all' | 'thread'): void {
    this.scope = scope;
    this.deps.storage.set(SCOPE_KEY, scope);
  }

  /**
   * Asks about a region (null: the whole file). `anyway` asks the model a question outside its training; `fresh`
   * sends no earlier answers; `decoding` overrides the form's settings for this one question (retry with more steps).
   * Resolves to the new exchange, or null when it could not start.
   */
  async ask(
    fileId: string,
    question: string,
    regionId: string | null = this.deps.workspace.selectedRegionId,
    options: { anyway?: boolean; fresh?: boolean; decoding?: Partial<FullDecoding> } = {},
  ): Promise<Exchange | null> {
    const decoding = this.decoding && { ...this.decoding, ...options.decoding };
    if (!decoding || this.problem || !question.trim()) return null;
    const checked = checkQuestion(question);
    if (!checked.ok) {
      this.deps.toasts.error(new Error(checked.message), 'Cannot ask');
      return null;
    }
    const started = this.deps.now();
    const heardWindow = this.deps.heard.window;
    this.asking = true;
    try {
      const exchange = await this.deps.api.request('chat.ask', {
        fileId,
        regionId,
        question: checked.question,
        decoding: relevantDecoding(decoding),
        ...(options.anyway ? { anyway: true } : {}),
        ...(options.fresh || this.fresh ? { fresh: true } : {}),
        ...(this.conversationSince[regionId ?? ''] ? { historySince: this.conversationSince[regionId ?? ''] } : {}),
        ...(this.modelId ? { modelId: this.modelId } : {}),
        // The part the Ask box named and the waveform shades (for the selected target; others hear their start).
        ...(regionId === this.deps.workspace.selectedRegionId && heardWindow ? { heardStart: heardWindow.start } : {}),
      });
      this.submittedAt[exchange.id] = started;
      this.deps.workspace.addExchange(exchange);
      return exchange;
    } catch (error) {
      this.deps.toasts.error(error, 'Cannot ask');
      return null;
    } finally {
      this.asking = false;
    }
  }

  async cancel(exchangeId: string): Promise<void> {
    try {
      await this.deps.api.request('chat.cancel', { exchangeId });
    } catch (error) {
      this.deps.toasts.error(error, 'Cannot cancel');
    }
  }

  async redenoise(fileId: string, exchange: Exchange, threshold = this.redenoiseThreshold): Promise<Exchange | null> {
    try {
      const started = this.deps.now();
      const next = await this.deps.api.request('chat.redenoise', { fileId, exchangeId: exchange.id, belowConfidence: threshold });
      this.redenoiseThresholds[next.id] = threshold;
      this.submittedAt[next.id] = started;
      this.deps.workspace.addExchange(next);
      return next;
    } catch (error) {
      this.deps.toasts.error(error, 'Cannot re-denoise');
      return null;
    }
  }

  /** Measured facts of the span an exchange asked about (once per exchange and page). */
  async loadFacts(fileId: string, exchange: Exchange): Promise<void> {
    const current = this.facts[exchange.id];
    if (current && current.state !== 'error') return;
    this.facts[exchange.id] = { state: 'loading' };
    const { start, end } = exchange.span;
    try {
      const facts = await this.deps.api.request('audio.facts', { id: fileId, ...(start > 0 ? { start } : {}), ...(end !== null ? { start, end } : {}) });
      this.facts[exchange.id] = { state: 'ready', facts };
    } catch (error) {
      this.facts[exchange.id] = { state: 'error', error: error instanceof Error ? error.message : String(error) };
    }
  }
}
