/**
 * The application menu as plain data, so it can be built and checked without Electron. The shape is the subset of
 * Electron's `MenuItemConstructorOptions` the shell uses; `menu.ts` hands it to `Menu.buildFromTemplate` unchanged.
 */
export type MenuRole =
  | 'undo'
  | 'redo'
  | 'cut'
  | 'copy'
  | 'paste'
  | 'pasteAndMatchStyle'
  | 'delete'
  | 'selectAll'
  | 'services'
  | 'hide'
  | 'hideOthers'
  | 'unhide'
  | 'quit'
  | 'close'
  | 'minimize'
  | 'zoom'
  | 'front'
  | 'window'
  | 'resetZoom'
  | 'zoomIn'
  | 'zoomOut'
  | 'togglefullscreen'
  | 'toggleDevTools'
  | 'reload'
  | 'forceReload';

export interface MenuSpec {
  id?: string;
  label?: string;
  role?: MenuRole;
  type?: 'normal' | 'separator' | 'submenu';
  accelerator?: string;
  enabled?: boolean;
  click?: () => void;
  submenu?: MenuSpec[];
}

export interface RecentEntry {
  index: number;
  name: string;
  exists: boolean;
}

export interface MenuContext {
  platform: NodeJS.Platform;
  /** Packaged builds have no developer tools item. */
  isPackaged: boolean;
  appName: string;
  recent: readonly RecentEntry[];
}

export interface MenuActions {
  open(): void;
  openRecent(index: number): void;
  quit(): void;
  toggleTheme(): void;
  toggleDevTools(): void;
  about(): void;
}

/** Menu labels treat `&` as a mnemonic marker on Windows and Linux: file names must show it literally. */
export const escapeMenuLabel = (text: string) => text.replace(/&/g, '&&');

export function buildMenuTemplate(context: MenuContext, actions: MenuActions): MenuSpec[] {
  const isMac = context.platform === 'darwin';
  const separator: MenuSpec = { type: 'separator' };

  const recentItems: MenuSpec[] =
    context.recent.length === 0
      ? [{ id: 'recent-empty', label: 'No Recent Files', enabled: false }]
      : context.recent.map((entry) => ({
          id: `recent-${entry.index}`,
          label: escapeMenuLabel(entry.exists ? entry.name : `${entry.name} (missing)`),
          enabled: entry.exists,
          ...(entry.index < 9 ? { accelerator: `CmdOrCtrl+Alt+${entry.index + 1}` } : {}),
          click: () => actions.openRecent(entry.index),
        }));

  const file: MenuSpec = {
    id: 'file',
    label: '&File',
    submenu: [
      { id: 'open', label: 'Open…', accelerator: 'CmdOrCtrl+O', click: actions.open },
      { id: 'open-recent', label: 'Open Recent', type: 'submenu', submenu: recentItems },
      separator,
      isMac ? { role: 'close' } : { id: 'quit', label: 'Quit', accelerator: 'Ctrl+Q', click: actions.quit },
    ],
  };

  const edit: MenuSpec = {
    id: 'edit',
    label: '&Edit',
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      separator,
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      ...(isMac ? [{ role: 'pasteAndMatchStyle' } as MenuSpec] : []),
      { role: 'delete' },
      separator,
      { role: 'selectAll' },
    ],
  };

  const view: MenuSpec = {
    id: 'view',
    label: '&View',
    submenu: [
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { role: 'resetZoom' },
      separator,
      { id: 'toggle-theme', label: 'Toggle Theme', accelerator: 'CmdOrCtrl+Shift+L', click: actions.toggleTheme },
      { role: 'togglefullscreen' },
      ...(context.isPackaged
        ? []
        : [
            separator,
            { role: 'reload' } as MenuSpec,
            { id: 'toggle-devtools', label: 'Toggle Developer Tools', accelerator: isMac ? 'Alt+Cmd+I' : 'Ctrl+Shift+I', click: actions.toggleDevTools },
          ]),
    ],
  };

  const help: MenuSpec = {
    id: 'help',
    label: '&Help',
    submenu: [{ id: 'about', label: `About ${context.appName}`, click: actions.about }],
  };

  if (!isMac) return [file, edit, view, help];

  const appMenu: MenuSpec = {
    id: 'app',
    label: context.appName,
    submenu: [
      { id: 'about-app', label: `About ${context.appName}`, click: actions.about },
      separator,
      { role: 'services' },
      separator,
      { role: 'hide' },
      { role: 'hideOthers' },
      { role: 'unhide' },
      separator,
      { id: 'quit', label: `Quit ${context.appName}`, accelerator: 'Cmd+Q', click: actions.quit },
    ],
  };
  const windowMenu: MenuSpec = { id: 'window', role: 'window', submenu: [{ role: 'minimize' }, { role: 'zoom' }, separator, { role: 'front' }] };
  return [appMenu, file, edit, view, windowMenu, help];
}
