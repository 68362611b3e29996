import type { Settings } from '../../../src-common/api/schemas';
import { DEFAULT_HEARD_PART, type HeardPart, heardWindow, loudestSecond, type Span } from '../../../src-common/audio/heard-part';
import { MAX_PEAKS_WIDTH } from '../../../src-common/audio/schemas';
import type { PageApi } from '../api-session';
import type { ErrorSink } from './toasts.svelte';
import type { WorkspaceStore } from './workspace-store.svelte';

export interface HeardDeps {
  api: PageApi;
  settings: { readonly current: Settings | null };
  workspace: Pick<WorkspaceStore, 'selectedRegion'>;
  toasts: ErrorSink;
}

/**
 * The part of the selected region (or the whole file) the model will hear: the waveform shades it and the Ask box
 * names it before a question is sent; the question then carries its start, so the engine decodes just that part.
 * Null while the target is no longer than what the model hears (all of it is heard).
 */
export class HeardStore {
  private readonly deps: HeardDeps;
  /** The open file and its duration (set by the workspace that shows it). */
  file = $state<{ id: string; duration: number } | null>(null);
  /** Seconds the chosen model hears (set by the chat from the model's manifest). */
  chunkSeconds = $state<number | null>(null);
  /** Centre of the target's loudest second, by `fileId:start:end` (looked up from the peaks when 'loudest' is chosen). */
  loudest = $state<Record<string, number | null>>({});

  // (read through a function: the deps are set in the constructor, after the fields; a derived is computed when read)
  part: HeardPart = $derived.by(() => this.deps.settings.current?.heardPart ?? DEFAULT_HEARD_PART);
  target: Span | null = $derived.by(() => {
    const region = this.deps.workspace.selectedRegion;
    if (region) return { start: region.start, end: region.end };
    return this.file ? { start: 0, end: this.file.duration } : null;
  });
  private key: string | null = $derived(this.file && this.target ? `${this.file.id}:${this.target.start}:${this.target.end}` : null);
  /** The loudest second is still being looked up (the window shows the start meanwhile). */
  finding: boolean = $derived(this.part === 'loudest' && this.key !== null && !(this.key in this.loudest));
  window: Span | null = $derived.by(() => {
    const { target, chunkSeconds } = this;
    if (!target || !chunkSeconds || !(target.end - target.start > chunkSeconds)) return null;
    const loudestAt = this.key === null ? null : (this.loudest[this.key] ?? null);
    return heardWindow(target, chunkSeconds, this.part, loudestAt);
  });

  constructor(deps: HeardDeps) {
    this.deps = deps;
  }

  /** Looks up the target's loudest second once, when 'loudest' is chosen and the target is longer than what is heard. */
  async findLoudest(): Promise<void> {
    const { key, target, file } = this;
    if (this.part !== 'loudest' || !key || !target || !file || !this.window || key in this.loudest) return;
    try {
      // About ten peaks per second is enough to find a second; a long target gets a coarser level (the API's limit).
      const width = Math.max(16, Math.min(MAX_PEAKS_WIDTH, Math.ceil((target.end - target.start) * 10)));
      const peaks = await this.deps.api.request('audio.peaks', { id: file.id, start: target.start, end: target.end, width });
      const secondsPerPeak = peaks.samplesPerPeak / peaks.sampleRate;
      this.loudest[key] = loudestSecond(peaks.channels, peaks.start, secondsPerPeak);
    } catch (error) {
      this.loudest[key] = null;
      this.deps.toasts.error(error, 'Cannot find the loudest second; the model hears the start');
    }
  }

  async setPart(part: HeardPart): Promise<void> {
    try {
      await this.deps.api.request('settings.update', { heardPart: part });
    } catch (error) {
      this.deps.toasts.error(error, 'Cannot change which part the model hears');
    }
  }
}
