import { BrowserWindow, nativeTheme, type Session, screen, shell, type WebContents } from 'electron';
import { MIN_HEIGHT, MIN_WIDTH, restoreWindowState, type WindowState } from '../shell-logic/bounds';
import { APP_ENTRY_URL, externalLinkTarget, isAllowedRequestUrl, isAppUrl, isInternalUrl, isPermissionAllowed } from '../shell-logic/security';
import { shellContentSecurityPolicy } from './protocol';

/** Opens an http(s) link in the user's browser after checking it; anything else is dropped. */
function openExternally(url: string): void {
  const target = externalLinkTarget(url);
  if (target) shell.openExternal(target).catch((error: Error) => console.error(`Could not open ${target}: ${error.message}`));
}

/**
 * Session-wide rules: no permission is granted (but clipboard writing from the app page), no request leaves for the
 * network, and every document carries the CSP even if a response forgot it.
 */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((contents, permission, callback, details) =>
    callback(isPermissionAllowed(permission, details.requestingUrl ?? contents?.getURL())),
  );
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) => isPermissionAllowed(permission, requestingOrigin));
  session.setDevicePermissionHandler(() => false);
  session.webRequest.onBeforeRequest((details, callback) => {
    const allowed = isAllowedRequestUrl(details.url);
    if (!allowed) console.warn(`Blocked a request the app does not make: ${details.url.slice(0, 200)}`);
    callback({ cancel: !allowed });
  });
  const csp = shellContentSecurityPolicy();
  session.webRequest.onHeadersReceived((details, callback) => {
    // Documents only, and not the developer tools' own pages (they come with their own policy).
    if ((details.resourceType !== 'mainFrame' && details.resourceType !== 'subFrame') || details.url.startsWith('devtools:')) return callback({});
    const headers = Object.fromEntries(Object.entries(details.responseHeaders ?? {}).filter(([name]) => name.toLowerCase() !== 'content-security-policy'));
    callback({ responseHeaders: { ...headers, 'Content-Security-Policy': [csp] } });
  });
}

/** Navigation rules for any web contents (installed from app 'web-contents-created', so windows and devtools alike): nothing navigates away from the app, no new windows, no webviews. */
export function guardWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    event.preventDefault();
    if (!isAppUrl(url)) openExternally(url);
  });
  contents.on('will-frame-navigate', (event) => {
    if (!isInternalUrl(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isInternalUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (!isAppUrl(url)) openExternally(url);
    return { action: 'deny' };
  });
}

export interface MainWindowOptions {
  preload: string;
  savedState: unknown;
  saveState(state: WindowState): void;
  devTools: boolean;
  icon?: string;
}

/** The one window: secure defaults, the renderer from app://diffa/, geometry remembered across runs. */
export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const workAreas = screen.getAllDisplays().map((display) => display.workArea);
  const primary = screen.getPrimaryDisplay().workArea;
  const state = restoreWindowState(options.savedState, [primary, ...workAreas], { width: 1280, height: 820 });
  const window = new BrowserWindow({
    ...state.bounds,
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    show: false,
    title: 'Diffa Studio',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#16181d' : '#f7f7f8',
    ...(options.icon ? { icon: options.icon } : {}),
    webPreferences: {
      preload: options.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      // Middle-click opens links through a path will-navigate does not see; the window has no use for it.
      disableBlinkFeatures: 'Auxclick',
      devTools: options.devTools,
    },
  });
  // Navigation rules come from guardWebContents, which the app applies to every web contents as it is created.
  if (state.maximized) window.maximize();
  window.once('ready-to-show', () => window.show());

  let saveTimer: NodeJS.Timeout | undefined;
  const save = () => {
    if (window.isDestroyed() || window.isMinimized() || window.isFullScreen()) return;
    options.saveState({ bounds: window.getNormalBounds(), maximized: window.isMaximized() });
  };
  const saveSoon = () => {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(save, 500);
  };
  window.on('resized', saveSoon);
  window.on('moved', saveSoon);
  window.on('maximize', saveSoon);
  window.on('unmaximize', saveSoon);
  window.on('close', () => {
    clearTimeout(saveTimer);
    save();
  });

  window.loadURL(APP_ENTRY_URL).catch((error: Error) => console.error(`Could not load the app page: ${error.message}`));
  return window;
}
