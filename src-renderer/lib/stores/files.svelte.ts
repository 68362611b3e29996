import type { AudioFileRef, RecentFile } from '../../../src-common/api/schemas';
import { DisposableStore, toDisposable } from '../../../src-common/lifecycle';
import type { PageApi } from '../api-session';
import type { ErrorSink } from './toasts.svelte';

/** The open files (kept current by `files.changed`), the recent list, and which file the main area shows. */
export class FilesStore {
  open = $state<AudioFileRef[]>([]);
  recent = $state<RecentFile[]>([]);
  selectedId = $state<string | null>(null);
  /** Names of files being uploaded to the host right now. */
  uploading = $state<string[]>([]);
  selected: AudioFileRef | null = $derived(this.open.find((file) => file.id === this.selectedId) ?? null);
  private loaded = false;
  /** Bumped by every file the person picks: a file that finishes opening after that does not take over the view. */
  private choices = 0;
  /** Opens this page started and has not seen finish, and the choice count when the newest began. */
  private opening = 0;
  private openedAtChoice = -1;

  private readonly disposables = new DisposableStore();

  constructor(
    private readonly api: PageApi,
    private readonly toasts: ErrorSink,
    private readonly log: (message: string, error: unknown) => void = console.error,
  ) {
    this.disposables.add(toDisposable(api.on('files.changed', (files) => this.apply(files))));
    // Opening a file adds it to the recent list in the settings: the event says the list may have changed.
    this.disposables.add(toDisposable(api.on('settings.changed', () => void this.refreshRecent())));
    this.disposables.add(toDisposable(api.onConnected(() => void this.refresh())));
  }

  dispose(): Promise<void> {
    return this.disposables.dispose();
  }

  /** The person picks a file to look at. */
  select(id: string): void {
    this.selectedId = id;
    this.choices++;
  }

  /** An open the person asked for starts (upload, dialog, recent list); its file is shown when it is ready... */
  beginOpen(): void {
    this.opening++;
    this.openedAtChoice = this.choices;
  }

  endOpen(): void {
    this.opening = Math.max(0, this.opening - 1);
  }

  /** ...unless the person picked another file meanwhile: then it opens in the background and the view stays. */
  showOpened(id: string): void {
    if (this.openedAtChoice === this.choices || !this.selected) this.selectedId = id;
  }

  async close(file: AudioFileRef): Promise<void> {
    try {
      await this.api.request('files.close', { id: file.id });
    } catch (error) {
      this.toasts.error(error, `Cannot close ${file.name}`);
    }
  }

  async openRecent(entry: RecentFile): Promise<void> {
    this.beginOpen();
    try {
      this.showOpened((await this.api.request('files.openRecent', { index: entry.index })).id);
    } catch (error) {
      this.toasts.error(error);
      await this.refreshRecent();
    } finally {
      this.endOpen();
    }
  }

  private async refresh(): Promise<void> {
    try {
      this.apply(await this.api.request('files.list'));
    } catch (error) {
      this.toasts.error(error, 'Cannot list the open files');
    }
    await this.refreshRecent();
  }

  private async refreshRecent(): Promise<void> {
    try {
      this.recent = await this.api.request('files.recent');
    } catch (error) {
      this.log('files.recent failed:', error);
    }
  }

  /**
   * New list from the main side. A file that just appeared is shown when nothing is, or when this page asked to open
   * it and the person has not picked another file since (a slow open finishing in the background does not take over
   * the view or the export target); a closed one is deselected.
   */
  private apply(files: AudioFileRef[]): void {
    const known = new Set(this.open.map((file) => file.id));
    const added = this.loaded ? files.filter((file) => !known.has(file.id)) : [];
    this.open = files;
    this.loaded = true;
    const last = added.at(-1);
    const showing = files.some((file) => file.id === this.selectedId);
    if (last && (!showing || (this.opening > 0 && this.openedAtChoice === this.choices))) this.selectedId = last.id;
    else if (!showing) this.selectedId = files[0]?.id ?? null;
  }
}
