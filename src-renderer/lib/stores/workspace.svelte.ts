import { api } from '../api';
import { files } from './files.svelte';
import { toasts } from './toasts.svelte';
import { WorkspaceStore } from './workspace-store.svelte';

/** The page's workspace: the store, given the page's API session, file list and toasts. */
export const workspace = new WorkspaceStore({ api, files, toasts });
