import type { AudioFileRef, RecentFile } from '../../../src-common/api/schemas';
import { api } from '../api';
import { toasts } from './toasts.svelte';

/** The open files (kept current by `files.changed`), the recent list, and which file the main area shows. */
class Files {
  open = $state<AudioFileRef[]>([]);
  recent = $state<RecentFile[]>([]);
  selectedId = $state<string | null>(null);
  /** Names of files being uploaded to the host right now. */
  uploading = $state<string[]>([]);
  selected: AudioFileRef | null = $derived(this.open.find((file) => file.id === this.selectedId) ?? null);
  private loaded = false;

  constructor() {
    api.on('files.changed', (files) => this.apply(files));
    // Opening a file adds it to the recent list in the settings: the event says the list may have changed.
    api.on('settings.changed', () => void this.refreshRecent());
    api.onConnected(() => void this.refresh());
  }

  select(id: string): void {
    this.selectedId = id;
  }

  async close(file: AudioFileRef): Promise<void> {
    try {
      await api.request('files.close', { id: file.id });
    } catch (error) {
      toasts.error(error, `Cannot close ${file.name}`);
    }
  }

  async openRecent(entry: RecentFile): Promise<void> {
    try {
      this.selectedId = (await api.request('files.openRecent', { index: entry.index })).id;
    } catch (error) {
      toasts.error(error);
      await this.refreshRecent();
    }
  }

  private async refresh(): Promise<void> {
    try {
      this.apply(await api.request('files.list'));
    } catch (error) {
      toasts.error(error, 'Cannot list the open files');
    }
    await this.refreshRecent();
  }

  private async refreshRecent(): Promise<void> {
    try {
      this.recent = await api.request('files.recent');
    } catch (error) {
      console.error('files.recent failed:', error);
    }
  }

  /** New list from the main side: a file that just appeared becomes the selected one; a closed one is deselected. */
  private apply(files: AudioFileRef[]): void {
    const known = new Set(this.open.map((file) => file.id));
    const added = this.loaded ? files.filter((file) => !known.has(file.id)) : [];
    this.open = files;
    this.loaded = true;
    const last = added.at(-1);
    if (last) this.selectedId = last.id;
    else if (!files.some((file) => file.id === this.selectedId)) this.selectedId = files[0]?.id ?? null;
  }
}

export const files = new Files();
