import { api } from './api';
import { files } from './stores/files.svelte';
import { toasts } from './stores/toasts.svelte';
import { uploadFile } from './upload';

/** Opens files the user picked or dropped: Electron resolves them in the preload, the headless host gets uploads. */
export async function openFiles(list: readonly File[]): Promise<void> {
  if (list.length === 0) return;
  const bridge = window.diffa;
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
        files.showOpened((await uploadFile(file)).id);
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
export async function openWithDialog(): Promise<void> {
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
