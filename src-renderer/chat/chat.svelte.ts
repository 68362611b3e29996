import type { Exchange } from '../../src-common/api/library';
import type { ModelDetails } from '../../src-common/api/model-details';
import type { ModelSummary } from '../../src-common/api/schemas';
import type { AudioFactsView } from '../../src-common/audio/schemas';
import { checkQuestion } from '../../src-common/routing/question-text';
import { api } from '../lib/api';
import { heard } from '../lib/stores/heard.svelte';
import { settings } from '../lib/stores/settings.svelte';
import { toasts } from '../lib/stores/toasts.svelte';
import { workspace } from '../lib/stores/workspace.svelte';
import { decodingProblem, type FullDecoding, type Preset, presetDecoding, relevantDecoding } from './logic';

const WIDTH_KEY = 'diffa.chat.width';
const MODEL_KEY = 'diffa.chat.model';
const SCOPE_KEY = 'diffa.chat.scope';
export const MIN_WIDTH = 320;
export const MAX_WIDTH = 760;
const DEFAULT_WIDTH = 420;

function stored(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function store(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // private windows may refuse storage: the layout is then not remembered, nothing else breaks
  }
}

export const clampWidth = (width: number) => Math.round(Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, width)));

type FactsState = { state: 'loading' } | { state: 'ready'; facts: AudioFactsView } | { state: 'error'; error: string };

const reducedMotionQuery = window.matchMedia('(prefers-reduced-motion: reduce)');

/**
 * The chat panel's own state: installed models and the chosen one's manifest details, the decoding a question will
 * use (preset from the settings, the question's own changes on top), the panel's width, and what was asked for
 * (re-denoise thresholds, measured facts) in this page. Questions and answers themselves live in the workspace store.
 */
class ChatState {
  models = $state<ModelSummary[]>([]);
  modelId = $state<string | null>(stored(MODEL_KEY));
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
  width = $state(clampWidth(Number(stored(WIDTH_KEY)) || DEFAULT_WIDTH));
  /** all: every question about the file; thread: only the selected region's. */
  scope = $state<'all' | 'thread'>(stored(SCOPE_KEY) === 'thread' ? 'thread' : 'all');
  redenoiseThreshold = $state(0.5);
  /** Thresholds of the re-denoises started from this page, by the new exchange's id (which positions were kept). */
  redenoiseThresholds = $state<Record<string, number>>({});
  facts = $state<Record<string, FactsState>>({});
  /** Facts the person opened with the button (keyword questions open by themselves). */
  factsShown = $state<Record<string, boolean>>({});
  /** When each question was submitted (performance.now()), for the time to the first step. */
  submittedAt = $state<Record<string, number>>({});
  /** ms from submit to the first step painted, by exchange id (this page's questions only). */
  firstStepMs = $state<Record<string, number>>({});
  asking = $state(false);
  systemReducedMotion = $state(reducedMotionQuery.matches);

  preset: Preset = $derived(settings.current?.decodingPreset ?? 'faithful');
  reducedMotion: boolean = $derived(Boolean(settings.current?.reducedMotion) || this.systemReducedMotion);
  decoding: FullDecoding | null = $derived(this.details ? presetDecoding(this.preset, this.details.decoding, this.overrides) : null);
  /** Until the settings arrive the preset is unknown: a question asked then could use the wrong sampler. */
  problem: string | null = $derived(
    !settings.current ? 'The settings are not loaded yet.' : this.decoding ? decodingProblem(this.decoding) : 'The model is not loaded yet.',
  );

  constructor() {
    reducedMotionQuery.addEventListener('change', (event) => {
      this.systemReducedMotion = event.matches;
    });
    api.onConnected(() => void this.loadModels());
  }

  async loadModels(): Promise<void> {
    try {
      this.models = await api.request('models.list');
      const wanted = this.models.find((m) => m.id === this.modelId) ?? this.models.find((m) => m.id === 'diffa-tiny') ?? this.models[0];
      await this.chooseModel(wanted?.id ?? null);
    } catch (error) {
      toasts.error(error, 'Cannot list the installed models');
    }
  }

  async chooseModel(id: string | null): Promise<void> {
    // A reconnect re-chooses the same model: the person's changes to the next question's decoding stay.
    if (id !== this.modelId || !this.details) this.overrides = {};
    this.modelId = id;
    if (id) store(MODEL_KEY, id);
    if (!id) {
      this.details = null;
      return;
    }
    try {
      const details = await api.request('models.details', { id });
      if (this.modelId === id) this.details = details;
    } catch (error) {
      if (this.modelId === id) this.details = null;
      toasts.error(error, `Cannot read the model ${id}`);
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
      await api.request('settings.update', { decodingPreset: preset });
    } catch (error) {
      toasts.error(error, 'Cannot change the decoding preset');
    }
  }

  async setReducedMotion(on: boolean): Promise<void> {
    try {
      await api.request('settings.update', { reducedMotion: on });
    } catch (error) {
      toasts.error(error, 'Cannot change the motion setting');
    }
  }

  async setStepPace(pace: 'readable' | 'immediate'): Promise<void> {
    try {
      await api.request('settings.update', { stepPace: pace });
    } catch (error) {
      toasts.error(error, 'Cannot change how steps are shown');
    }
  }

  setWidth(width: number): void {
    this.width = clampWidth(width);
    store(WIDTH_KEY, String(this.width));
  }

  setScope(scope: 'all' | 'thread'): void {
    this.scope = scope;
    store(SCOPE_KEY, scope);
  }

  /** Asks about the selected region (or the whole file). Resolves to the new exchange, or null if it could not start. */
  /**
   * Asks about a region (null: the whole file). `anyway` asks the model a question outside its training; `fresh`
   * sends no earlier answers; `decoding` overrides the form's settings for this one question (retry with more steps).
   */
  async ask(
    fileId: string,
    question: string,
    regionId: string | null = workspace.selectedRegionId,
    options: { anyway?: boolean; fresh?: boolean; decoding?: Partial<FullDecoding> } = {},
  ): Promise<Exchange | null> {
    const decoding = this.decoding && { ...this.decoding, ...options.decoding };
    if (!decoding || this.problem || !question.trim()) return null;
    const checked = checkQuestion(question);
    if (!checked.ok) {
      toasts.error(new Error(checked.message), 'Cannot ask');
      return null;
    }
    const started = performance.now();
    this.asking = true;
    try {
      const exchange = await api.request('chat.ask', {
        fileId,
        regionId,
        question: checked.question,
        decoding: relevantDecoding(decoding),
        ...(options.anyway ? { anyway: true } : {}),
        ...(options.fresh || this.fresh ? { fresh: true } : {}),
        ...(this.conversationSince[regionId ?? ''] ? { historySince: this.conversationSince[regionId ?? ''] } : {}),
        ...(this.modelId ? { modelId: this.modelId } : {}),
        // The part the Ask box named and the waveform shades (for the selected target; others hear their start).
        ...(regionId === workspace.selectedRegionId && heard.window ? { heardStart: heard.window.start } : {}),
      });
      this.submittedAt[exchange.id] = started;
      workspace.addExchange(exchange);
      return exchange;
    } catch (error) {
      toasts.error(error, 'Cannot ask');
      return null;
    } finally {
      this.asking = false;
    }
  }

  async cancel(exchangeId: string): Promise<void> {
    try {
      await api.request('chat.cancel', { exchangeId });
    } catch (error) {
      toasts.error(error, 'Cannot cancel');
    }
  }

  async redenoise(fileId: string, exchange: Exchange, threshold = this.redenoiseThreshold): Promise<Exchange | null> {
    try {
      const started = performance.now();
      const next = await api.request('chat.redenoise', { fileId, exchangeId: exchange.id, belowConfidence: threshold });
      this.redenoiseThresholds[next.id] = threshold;
      this.submittedAt[next.id] = started;
      workspace.addExchange(next);
      return next;
    } catch (error) {
      toasts.error(error, 'Cannot re-denoise');
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
      const facts = await api.request('audio.facts', { id: fileId, ...(start > 0 ? { start } : {}), ...(end !== null ? { start, end } : {}) });
      this.facts[exchange.id] = { state: 'ready', facts };
    } catch (error) {
      this.facts[exchange.id] = { state: 'error', error: error instanceof Error ? error.message : String(error) };
    }
  }
}

export const chat = new ChatState();
