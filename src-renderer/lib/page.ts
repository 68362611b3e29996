import { getContext } from 'svelte';
import { DisposableStore } from '../../src-common/lifecycle';
import { ChatStore } from '../chat/chat.svelte';
import { InterchangeStore } from '../interchange/interchange.svelte';
import { downloadText } from '../interchange/logic';
import { ModelsStore } from '../models/models.svelte';
import type { Api } from './api-session';
import type { PageEnv } from './env';
import { FileOpener } from './open-files';
import { ConnectionStore } from './stores/connection.svelte';
import { EngineStore } from './stores/engine.svelte';
import { FilesStore } from './stores/files.svelte';
import { HeardStore } from './stores/heard.svelte';
import { SettingsStore } from './stores/settings.svelte';
import { ToastsStore } from './stores/toasts.svelte';
import { UiStore } from './stores/ui.svelte';
import { WorkspaceStore } from './stores/workspace-store.svelte';

/** Everything the page's components share: the API session and every store, each built once. */
export interface Page {
  readonly api: Api;
  readonly toasts: ToastsStore;
  readonly ui: UiStore;
  readonly connection: ConnectionStore;
  readonly settings: SettingsStore;
  readonly engine: EngineStore;
  readonly files: FilesStore;
  readonly opener: FileOpener;
  readonly workspace: WorkspaceStore;
  readonly heard: HeardStore;
  readonly chat: ChatStore;
  readonly interchange: InterchangeStore;
  readonly models: ModelsStore;
  /** Ends every store (their subscriptions, timers, media queries) and then the session, last built first. */
  dispose(): Promise<void>;
}

/**
 * The renderer's one composition point: builds the stores in dependency order, each given what it needs, and owns
 * them. Nothing here opens the channel: the caller starts the session once the components are mounted.
 */
export function createPage(api: Api, env: PageEnv): Page {
  const owned = new DisposableStore();
  owned.add(api);
  const toasts = owned.add(new ToastsStore(env.timers));
  const ui = new UiStore();
  const connection = owned.add(new ConnectionStore(api));
  const settings = owned.add(new SettingsStore({ api, toasts, darkScheme: env.darkScheme }));
  const engine = owned.add(new EngineStore(api));
  const files = owned.add(new FilesStore(api, toasts));
  const opener = new FileOpener({ api, files, toasts, bridge: env.bridge, upload: env.upload });
  const workspace = owned.add(new WorkspaceStore({ api, files, toasts }));
  const heard = new HeardStore({ api, settings, workspace, toasts });
  const chat = owned.add(new ChatStore({ api, settings, heard, workspace, toasts, storage: env.storage, reducedMotion: env.reducedMotion, now: env.now }));
  const interchange = owned.add(new InterchangeStore({ api, files, workspace, toasts, storage: env.storage, save: downloadText }));
  const models = owned.add(new ModelsStore(api, toasts));
  return {
    api,
    toasts,
    ui,
    connection,
    settings,
    engine,
    files,
    opener,
    workspace,
    heard,
    chat,
    interchange,
    models,
    dispose: () => owned.dispose(),
  };
}

const PAGE = Symbol('diffa.page');

/** The context `mount()` passes to the root component, so every component finds the page's stores. */
export function pageContext(page: Page): Map<symbol, Page> {
  return new Map([[PAGE, page]]);
}

/** The page's stores, from a component's script (Svelte's context: call it while the component initialises). */
export function usePage(): Page {
  const page = getContext<Page | undefined>(PAGE);
  if (!page) throw new Error('usePage() called outside the page that createPage() built');
  return page;
}
