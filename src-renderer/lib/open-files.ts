import type { DiffaBridge } from '../../src-common/api/bridge';
import type { PageApi } from './api-session';
import type { FilesStore } from './stores/files.svelte';
import type { ErrorSink } from './stores/toasts.svelte';

export interface FileOpenerDeps {
  api: PageApi;
  files: Pick<FilesStore, 'beginOpen' | 'endOpen' | 'showOpened' | 'uploading'>;
  toasts: ErrorSink;
  /** Electron's preload bridge; without it (a browser page) files are uploaded to the headless host. */
  bridge: Pick<DiffaBridge, 'openDropped'> | undefined;
  upload(file: File): Promise<{ id: string }>;
}

/** Opens files the user picked or dropped: Electron resolves them in the preload, the headless host gets uploads. */
export class FileOpener {
  constructor(private readonly deps: FileOpenerDeps) {}

  async openFiles(list: readonly File[]): Promise<void> {
    if (list.length === 0) return;
    const { files, toasts, bridge, upload } = this.deps;
    files.beginOpen();
    try {
      if (bridge) {
        try {
          await bridge.openDropped(list);
        } catch (error) {
          toasts.error(error);
        }
        return;
      }
      for (const file of list) {
        files.uploading = [...files.uploading, file.name];
        try {
          files.showOpened((await upload(file)).id);
        } catch (error) {
          toasts.error(error);
        } finally {
          const index = files.uploading.indexOf(file.name);
          files.uploading = files.uploading.filter((_, i) => i !== index);
        }
      }
    } finally {
      files.endOpen();
    }
  }

  /** Electron's open dialog (the main side opens what the user chose and announces it with `files.changed`). */
  async openWithDialog(): Promise<void> {
    const { api, files, toasts } = this.deps;
    files.beginOpen();
    try {
      const opened = await api.request('files.openDialog');
      const last = opened.at(-1);
      if (last) files.showOpened(last.id);
    } catch (error) {
      toasts.error(error);
    } finally {
      files.endOpen();
    }
  }
}
