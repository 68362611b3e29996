import { EventEmitter } from 'node:events';

/**
 * A stand-in for the `electron` module, just large enough to run the Electron shell's main process in plain Node:
 * the shell test bundles src-main/app/electron-main.ts with `electron` aliased to this file, then drives it through
 * what it registered (protocol handlers, ipc listeners, menus, window and web-contents events). Everything the shell
 * did is recorded on `fake`, which is also published as `globalThis.__fakeElectron` for the test to read.
 */
type Listener = (...args: unknown[]) => unknown;

class Emitter extends EventEmitter {}

export class FakeMessagePort extends Emitter {
  other: FakeMessagePort | null = null;
  started = false;
  closed = false;
  postMessage(data: unknown): void {
    const target = this.other;
    if (!target || this.closed) return;
    setImmediate(() => target.emit('message', { data, ports: [] }));
  }
  start(): void {
    this.started = true;
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.other?.emit('close');
  }
}

export class MessageChannelMain {
  readonly port1 = new FakeMessagePort();
  readonly port2 = new FakeMessagePort();
  constructor() {
    this.port1.other = this.port2;
    this.port2.other = this.port1;
  }
}

export class FakeWebContents extends Emitter {
  readonly mainFrame = { url: 'app://diffa/index.html' };
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  readonly posted: { channel: string; message: unknown; transfer: unknown[] }[] = [];
  url = '';
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
  postMessage(channel: string, message: unknown, transfer: unknown[] = []): void {
    this.posted.push({ channel, message, transfer });
  }
  getURL(): string {
    return this.url;
  }
  toggleDevTools(): void {}
}

const app = Object.assign(new Emitter(), {
  isPackaged: false,
  paths: new Map<string, string>(),
  sandboxed: false,
  quitCalls: 0,
  enableSandbox() {
    app.sandboxed = true;
  },
  setPath(name: string, path: string) {
    app.paths.set(name, path);
  },
  getPath(name: string) {
    const path = app.paths.get(name);
    if (!path) throw new Error(`fake electron: no path ${name}`);
    return path;
  },
  getVersion: () => '0.0.0-fake',
  requestSingleInstanceLock: () => true,
  quit() {
    app.quitCalls++;
  },
  exit(code: number) {
    throw new Error(`fake electron: app.exit(${code})`);
  },
  whenReady: () => Promise.resolve(),
});

export class BrowserWindow extends Emitter {
  static all: BrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  loadedUrl = '';
  constructor(readonly options: Record<string, unknown>) {
    super();
    BrowserWindow.all.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }
  async loadURL(url: string): Promise<void> {
    this.loadedUrl = url;
    this.webContents.url = url;
  }
  maximize(): void {}
  isDestroyed = () => false;
  isMinimized = () => false;
  isFullScreen = () => false;
  isMaximized = () => false;
  getNormalBounds = () => ({ x: 10, y: 20, width: 1000, height: 700 });
  focus(): void {}
  restore(): void {}
}

const handlers = new Map<string, (request: Request) => Promise<Response> | Response>();
const ipcListeners = new Map<string, Listener>();
const ipcHandlers = new Map<string, Listener>();
const webRequest = { beforeRequest: null as Listener | null, headersReceived: null as Listener | null };
const permissions = { request: null as Listener | null, check: null as Listener | null };

export const fake = {
  app,
  handlers,
  ipcListeners,
  ipcHandlers,
  webRequest,
  permissions,
  privileged: [] as unknown[],
  menus: [] as unknown[],
  externalOpened: [] as string[],
  forks: [] as string[],
  windows: BrowserWindow.all,
};
(globalThis as { __fakeElectron?: typeof fake }).__fakeElectron = fake;

export const protocol = {
  registerSchemesAsPrivileged: (schemes: unknown[]) => fake.privileged.push(...schemes),
  handle: (scheme: string, handler: (request: Request) => Promise<Response> | Response) => handlers.set(scheme, handler),
};

export const ipcMain = Object.assign(new Emitter(), {
  on(channel: string, listener: Listener) {
    ipcListeners.set(channel, listener);
    return ipcMain;
  },
  handle(channel: string, listener: Listener) {
    ipcHandlers.set(channel, listener);
  },
});

export const session = {
  defaultSession: {
    setPermissionRequestHandler: (handler: Listener) => {
      permissions.request = handler;
    },
    setPermissionCheckHandler: (handler: Listener) => {
      permissions.check = handler;
    },
    setDevicePermissionHandler: () => undefined,
    webRequest: {
      onBeforeRequest: (handler: Listener) => {
        webRequest.beforeRequest = handler;
      },
      onHeadersReceived: (handler: Listener) => {
        webRequest.headersReceived = handler;
      },
    },
  },
};

export const dialog = {
  showOpenDialog: async () => ({ canceled: true, filePaths: [] as string[] }),
  showMessageBox: async () => ({ response: 0 }),
  showErrorBox: (title: string, content: string) => {
    throw new Error(`fake electron: error box ${title}: ${content}`);
  },
};

export const Menu = {
  buildFromTemplate: (template: unknown) => template,
  setApplicationMenu: (menu: unknown) => fake.menus.push(menu),
};

export const nativeTheme = { shouldUseDarkColors: false };

export const screen = {
  getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }],
  getPrimaryDisplay: () => ({ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }),
};

export const shell = {
  openExternal: async (url: string) => {
    fake.externalOpened.push(url);
  },
  openPath: async () => '',
};

export const utilityProcess = {
  fork(script: string) {
    fake.forks.push(script);
    return Object.assign(new Emitter(), { pid: undefined, postMessage: () => undefined, kill: () => true });
  },
};

export { app };
export default { app, protocol, ipcMain, session, dialog, Menu, nativeTheme, screen, shell, utilityProcess, BrowserWindow, MessageChannelMain };
