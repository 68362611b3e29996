/**
 * Entry point of the Electron shell (bundled to dist/main/electron-main.js, ESM). The only part of the app that
 * imports `electron`. The services come from the composition root (src-main/compose/app.ts), given what only this
 * shell has (electron-store settings, an engine in a utilityProcess, dialogs); this file keeps the windows, the
 * menu, the protocols and the page's port.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  type BrowserWindow,
  dialog,
  type IpcMainEvent,
  type IpcMainInvokeEvent,
  ipcMain,
  MessageChannelMain,
  type MessagePortMain,
  session,
  type WebContents,
} from 'electron';
import Store from 'electron-store';
import { ApiError } from '../../src-common/api/errors';
import { createHandlers, openChosenFile } from '../api/handlers';
import { createApp } from '../compose/app';
import { resolveHomeRoot } from '../core/app-home';
import { appRoot, rendererDir } from '../core/resources';
import { createSettingsStore } from '../core/settings';
import { AUDIO_EXTENSIONS } from '../files/media-types';
import { listInstalledModels } from '../models/installed-models';
import { aboutMessage } from '../shell-logic/about';
import { parseShellArgs } from '../shell-logic/args';
import { parseDroppedPaths } from '../shell-logic/dropped-paths';
import { IPC_HELLO, IPC_OPEN_DROPPED, IPC_PORT } from '../shell-logic/ipc-channels';
import { connectRendererPort, type PortLike, type RendererConnection } from '../shell-logic/renderer-port';
import { isAppUrl, mediaUrl } from '../shell-logic/security';
import { utilityEngineLauncher } from './engine-process';
import { installApplicationMenu } from './menu';
import { handleAppProtocol, handleMediaProtocol, registerPrivilegedSchemes } from './protocol';
import { createMainWindow, guardWebContents, hardenSession } from './window';

const here = dirname(fileURLToPath(import.meta.url));

// ---- before ready: these must run synchronously while the module is evaluated ---------------------------------------
registerPrivilegedSchemes();
app.enableSandbox();

const args = parseShellArgs(process.argv.slice(1));
const homeRoot = resolveHomeRoot(args.home, process.env);
// Chromium's own data (caches, local storage, the single-instance lock) goes in a subfolder of the app's home, so
// `--home` / DIFFA_HOME isolate a run completely and two homes can run side by side.
app.setPath('userData', join(homeRoot, 'shell'));

/** Files asked for before the services exist (command line, macOS open-file at launch). */
const pendingPaths: string[] = [...args.files];
let openPaths: (paths: string[]) => void = (paths) => {
  pendingPaths.push(...paths);
};

if (!app.requestSingleInstanceLock({ files: args.files })) {
  // Another instance owns this home: it receives our command line (second-instance) and opens our files.
  app.quit();
} else {
  app.on('open-file', (event, path) => {
    event.preventDefault();
    openPaths([path]);
  });
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents));
  app.whenReady().then(start, (error: unknown) => fatal(error));
}

function fatal(error: unknown): void {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  console.error(message);
  dialog.showErrorBox('Diffa Studio could not start', message);
  app.exit(1);
}

async function start(): Promise<void> {
  let window: BrowserWindow | null = null;
  let store: Store<Record<string, unknown>> | null = null;
  /** The platform's open dialog, over the window when there is one. */
  const chooseFiles = async (options: Electron.OpenDialogOptions) => {
    const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
    return result.canceled ? [] : result.filePaths;
  };
  const services = createApp({
    shell: 'electron',
    version: app.getVersion(),
    homeRoot,
    // <home>/settings/config.json: the same file the headless host's conf store uses, so both shells share settings.
    openSettings: (home) => {
      const opened = new Store<Record<string, unknown>>({ cwd: home.settings, name: 'config' });
      store = opened;
      return createSettingsStore({ get: (key) => opened.get(key), set: (key, value) => opened.set(key, value) });
    },
    mediaUrl,
    launchEngine: utilityEngineLauncher,
    /** One file dialog for both: a `.tar` pack, or a bundle folder picked by its manifest.json (Linux and Windows
     * cannot show a dialog that selects files and folders at once). */
    showImportDialog: async () => {
      const paths = await chooseFiles({
        title: 'Import a model: a .tar model pack, or the manifest.json of a model folder',
        properties: ['openFile'],
        filters: [{ name: 'Model pack or manifest', extensions: ['tar', 'json'] }],
      });
      return paths.map((path) => (path.endsWith('manifest.json') ? dirname(path) : path));
    },
    showOpenDialog: () =>
      chooseFiles({
        title: 'Open audio',
        properties: ['openFile', 'multiSelections'],
        filters: [
          { name: 'Audio', extensions: AUDIO_EXTENSIONS },
          { name: 'All files', extensions: ['*'] },
        ],
      }),
  });
  const { home, files, settings, engine } = services;
  const windowState = store as Store<Record<string, unknown>> | null;
  const handlers = createHandlers(services);

  handleAppProtocol(rendererDir());
  handleMediaProtocol(files);
  hardenSession(session.defaultSession);

  // ---- the page's connection: one MessagePort per page load ---------------------------------------------------------
  const connections = new Map<WebContents, RendererConnection>();
  const watched = new WeakSet<WebContents>();
  /** Only the app page in our window's main frame may talk to the main side. */
  const trusted = (event: IpcMainEvent | IpcMainInvokeEvent) =>
    window !== null &&
    event.sender === window.webContents &&
    event.senderFrame !== null &&
    event.senderFrame === event.sender.mainFrame &&
    isAppUrl(event.senderFrame.url);

  ipcMain.on(IPC_HELLO, (event) => {
    if (!trusted(event)) return;
    const contents = event.sender;
    connections.get(contents)?.close();
    const { port1, port2 } = new MessageChannelMain();
    connections.set(contents, connectRendererPort(portAdapter(port1), handlers, services.events));
    if (!watched.has(contents)) {
      watched.add(contents);
      contents.once('destroyed', () => {
        connections.get(contents)?.close();
        connections.delete(contents);
      });
    }
    contents.postMessage(IPC_PORT, null, [port2]);
  });

  ipcMain.handle(IPC_OPEN_DROPPED, async (event, raw: unknown) => {
    if (!trusted(event)) return { errors: ['Refused: not the app window'] };
    let paths: string[];
    try {
      paths = parseDroppedPaths(raw);
    } catch (error) {
      return { errors: [(error as Error).message] };
    }
    return { errors: await openAll(paths) };
  });

  /** Opens paths the user chose; returns error messages (names only: paths never go back to the page). */
  async function openAll(paths: readonly string[]): Promise<string[]> {
    const errors: string[] = [];
    for (const path of paths) {
      try {
        await openChosenFile(services, path);
      } catch (error) {
        errors.push(ApiError.wrap(error).message);
      }
    }
    return errors;
  }

  async function openAndReport(paths: readonly string[]): Promise<void> {
    const errors = await openAll(paths);
    if (errors.length > 0) {
      const options = { type: 'warning' as const, title: 'Could not open', message: 'Diffa Studio could not open a file', detail: errors.join('\n') };
      await (window ? dialog.showMessageBox(window, options) : dialog.showMessageBox(options));
    }
  }

  // ---- menu ------------------------------------------------------------------------------------------------------------
  const rebuildMenu = () =>
    installApplicationMenu({
      isPackaged: app.isPackaged,
      recentFiles: settings.get().recentFiles,
      actions: {
        // The page runs the dialog itself when it is connected (files.openDialog), so it can select what was opened;
        // before it is, the main side opens the files directly.
        open: () => {
          if (connections.size > 0) return services.events.emit('app.command', { command: 'open-file' });
          services
            .showOpenDialog?.()
            .then(openAndReport)
            .catch((error: Error) => console.error(error));
        },
        openRecent: (index) => {
          const path = settings.get().recentFiles[index];
          if (path) void openAndReport([path]);
        },
        quit: () => app.quit(),
        toggleTheme: () => services.events.emit('app.command', { command: 'toggle-theme' }),
        toggleDevTools: () => window?.webContents.toggleDevTools(),
        about: () => void showAbout(),
      },
    });
  let lastRecent = '';
  settings.onChange((next) => {
    const recent = JSON.stringify(next.recentFiles);
    if (recent !== lastRecent) {
      lastRecent = recent;
      rebuildMenu();
    }
  });
  lastRecent = JSON.stringify(settings.get().recentFiles);
  rebuildMenu();

  async function showAbout(): Promise<void> {
    let models: ReturnType<typeof listInstalledModels> = [];
    let modelError: string | undefined;
    try {
      models = listInstalledModels(services.bundledModels, home.models);
    } catch (error) {
      modelError = (error as Error).message;
    }
    const text = aboutMessage({
      appName: 'Diffa Studio',
      version: app.getVersion(),
      versions: { electron: process.versions.electron, chrome: process.versions.chrome, node: process.versions.node },
      models,
      ...(modelError ? { modelError } : {}),
    });
    const options = { type: 'info' as const, title: 'About Diffa Studio', buttons: ['OK'], ...text };
    await (window ? dialog.showMessageBox(window, options) : dialog.showMessageBox(options));
  }

  // ---- window ----------------------------------------------------------------------------------------------------------
  const icon = join(appRoot(), 'assets', 'icon.png');
  const openWindow = () => {
    window = createMainWindow({
      preload: join(here, 'preload.cjs'),
      savedState: windowState?.get('window'),
      saveState: (state) => windowState?.set('window', state),
      devTools: !app.isPackaged,
      ...(existsSync(icon) ? { icon } : {}),
    });
    window.on('closed', () => {
      window = null;
    });
  };
  openWindow();

  openPaths = (paths) => void openAndReport(paths);
  if (pendingPaths.length > 0) openPaths(pendingPaths.splice(0));

  app.on('second-instance', (_event, argv, workingDirectory) => {
    const second = parseShellArgs(argv.slice(1), workingDirectory);
    if (second.files.length > 0) openPaths(second.files);
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    } else openWindow();
  });
  app.on('activate', () => {
    if (!window) openWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => {
    // Every service in reverse order of creation: questions cancelled, the engine stopped, downloads paused with
    // their partial files flushed (the next start resumes them).
    void services.dispose();
  });

  engine.start().catch((error: Error) => console.error(`The engine failed to start: ${error.message}`));
}

/** Electron's MessagePortMain as the PortLike the port session expects. */
function portAdapter(port: MessagePortMain): PortLike {
  return {
    postMessage: (message) => port.postMessage(message),
    onMessage: (listener) => port.on('message', (event) => listener(event.data)),
    onClose: (listener) => port.on('close', listener),
    start: () => port.start(),
    close: () => port.close(),
  };
}
