import type { Exchange, LibraryDoc, Region } from '../../../src-common/api/library';
import { DisposableStore, toDisposable } from '../../../src-common/lifecycle';
import type { PageApi } from '../api-session';

/** What the workspace needs, passed in: the page's API session, which file is selected, and where errors go. */
export interface WorkspaceDeps {
  api: PageApi;
  files: { readonly selectedId: string | null };
  toasts: { error(error: unknown, context?: string): unknown };
}

/**
 * The selected file's saved state — regions, questions and answers — and which region is selected. The waveform
 * (regions drawn, created, moved) and the chat (asks about the selected region, shows answers) both work through
 * this store, so neither knows the other. Answers stream in as `chat.step` events and end with `chat.updated`.
 */
export class WorkspaceStore {
  doc = $state<LibraryDoc | null>(null);
  /** null: the whole file. */
  selectedRegionId = $state<string | null>(null);
  /**
   * Steps of answers being denoised right now, by exchange id (the saved trace arrives with `chat.updated`). Raw
   * state: replaced, never mutated, so the steps' tokens and alternatives are not wrapped in proxies one by one.
   */
  live = $state.raw<Record<string, Exchange['trace']>>({});
  regions: Region[] = $derived(this.doc?.regions ?? []);
  selectedRegion: Region | null = $derived(this.regions.find((r) => r.id === this.selectedRegionId) ?? null);
  /**
   * Set when something (a chat message's region chip) asks to hear a span: the waveform watches this, plays
   * `start`–`end` (end null: to the end of the file) and may set it back to null. `nonce` tells repeated requests apart.
   */
  playRequest = $state<{ regionId: string | null; start: number; end: number | null; nonce: number } | null>(null);
  private loadedFor: string | null = null;
  /** Regions deleted in this page, newest last, by file: Ctrl+Z brings the newest back (same id, number and answers). */
  deleted = $state<{ fileId: string; region: Region }[]>([]);

  private readonly api: WorkspaceDeps['api'];
  private readonly files: WorkspaceDeps['files'];
  private readonly toasts: WorkspaceDeps['toasts'];
  private readonly disposables = new DisposableStore();

  constructor(deps: WorkspaceDeps) {
    this.api = deps.api;
    this.files = deps.files;
    this.toasts = deps.toasts;
    const { api, files } = deps;
    const listen = (unsubscribe: () => void) => this.disposables.add(toDisposable(unsubscribe));
    listen(
      api.on('chat.step', ({ fileId, exchangeId, step }) => {
        if (fileId !== files.selectedId) return;
        this.live = { ...this.live, [exchangeId]: [...(this.live[exchangeId] ?? []), step] };
      }),
    );
    listen(
      api.on('chat.updated', ({ fileId, exchange, traceLength }) => {
        if (fileId !== files.selectedId || !this.doc) return;
        const index = this.doc.exchanges.findIndex((e) => e.id === exchange.id);
        // The trace is not sent again: it is the steps this page saw (loaded with the library, then streamed).
        const trace = joinSteps(this.doc.exchanges[index]?.trace ?? [], this.live[exchange.id] ?? []);
        const { [exchange.id]: _done, ...rest } = this.live;
        this.live = rest;
        if (trace.length === traceLength) this.putExchange({ ...exchange, trace });
        // Steps were missed (the page connected mid-answer): the saved library has them all.
        else void this.refreshExchange(fileId, exchange.id);
      }),
    );
    listen(api.onConnected(() => void this.load(files.selectedId, true)));
  }

  dispose(): Promise<void> {
    return this.disposables.dispose();
  }

  /** Loads the library of a file (called when the selected file changes). */
  async load(fileId: string | null, force = false): Promise<void> {
    if (!force && fileId === this.loadedFor) return;
    this.loadedFor = fileId;
    this.doc = null;
    this.selectedRegionId = null;
    this.live = {};
    if (!fileId) return;
    try {
      const doc = await this.api.request('library.get', { id: fileId });
      if (this.loadedFor === fileId) this.doc = doc;
    } catch (error) {
      this.toasts.error(error, 'Cannot load the saved regions and chats of this file');
    }
  }

  selectRegion(id: string | null): void {
    this.selectedRegionId = id;
  }

  /** Selects a region (null: the whole file) and asks the waveform to play it. */
  playRegion(id: string | null): void {
    this.selectRegion(id);
    const region = id === null ? null : this.regions.find((r) => r.id === id);
    if (id !== null && !region) return;
    this.playRequest = { regionId: id, start: region?.start ?? 0, end: region?.end ?? null, nonce: (this.playRequest?.nonce ?? 0) + 1 };
  }

  private putExchange(exchange: Exchange): void {
    if (!this.doc) return;
    const index = this.doc.exchanges.findIndex((e) => e.id === exchange.id);
    if (index >= 0) this.doc.exchanges[index] = exchange;
    else this.doc.exchanges.push(exchange);
  }

  /** Replaces one exchange by its saved copy (with its whole trace), leaving the rest of the page as it is. */
  private async refreshExchange(fileId: string, id: string): Promise<void> {
    try {
      const saved = (await this.api.request('library.get', { id: fileId })).exchanges.find((e) => e.id === id);
      if (saved && this.files.selectedId === fileId) this.putExchange(saved);
    } catch (error) {
      this.toasts.error(error, 'Cannot load the finished answer');
    }
  }

  /** Adds an exchange the page just started (chat.ask's reply), unless its `chat.updated` got here first. */
  addExchange(exchange: Exchange): void {
    if (!this.doc || this.doc.exchanges.some((e) => e.id === exchange.id)) return;
    this.doc.exchanges.push(exchange);
  }

  async saveRegion(region: Region): Promise<void> {
    const fileId = this.files.selectedId;
    if (!fileId) return;
    // Shown at once (a drag or a nudge must not snap back while the save is on its way); the reply is the truth.
    if (this.doc) {
      const index = this.doc.regions.findIndex((r) => r.id === region.id);
      if (index >= 0) this.doc.regions[index] = region;
      else this.doc.regions.push(region);
    }
    try {
      const doc = await this.api.request('regions.save', { fileId, region });
      if (this.files.selectedId === fileId) this.doc = doc;
    } catch (error) {
      this.toasts.error(error, 'Cannot save the region');
      if (this.files.selectedId === fileId) await this.load(fileId, true);
    }
  }

  async deleteRegion(id: string): Promise<void> {
    const fileId = this.files.selectedId;
    if (!fileId) return;
    const region = this.regions.find((r) => r.id === id);
    try {
      this.doc = await this.api.request('regions.delete', { fileId, regionId: id });
      if (this.selectedRegionId === id) this.selectedRegionId = null;
      if (region) this.deleted = [...this.deleted, { fileId, region: { ...region } }].slice(-50);
    } catch (error) {
      this.toasts.error(error, 'Cannot delete the region');
    }
  }

  /** Brings back the region deleted last in the open file (Ctrl+Z). Returns whether there was one. */
  async undoDelete(): Promise<boolean> {
    const fileId = this.files.selectedId;
    let index = this.deleted.length - 1;
    while (index >= 0 && this.deleted[index]?.fileId !== fileId) index--;
    const entry = this.deleted[index];
    if (!entry) return false;
    this.deleted = this.deleted.filter((_, i) => i !== index);
    await this.saveRegion(entry.region);
    this.selectRegion(entry.region.id);
    return true;
  }

  /** The selected region's thread (or the whole file's), oldest first. */
  thread(regionId: string | null = this.selectedRegionId): Exchange[] {
    return (this.doc?.exchanges ?? []).filter((e) => e.regionId === regionId);
  }
}

/** Steps known before (from the library) and streamed since, each step once, in order. */
function joinSteps(known: Exchange['trace'], streamed: Exchange['trace']): Exchange['trace'] {
  const byStep = new Map(known.map((step) => [step.step, step]));
  for (const step of streamed) byStep.set(step.step, step);
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}
