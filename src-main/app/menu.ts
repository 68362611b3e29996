import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { Menu, type MenuItemConstructorOptions } from 'electron';
import { buildMenuTemplate, type MenuActions } from '../shell-logic/menu-template';

export interface MenuInputs {
  isPackaged: boolean;
  recentFiles: readonly string[];
  actions: MenuActions;
}

/** Installs the application menu; call again whenever the recent list changes. */
export function installApplicationMenu(inputs: MenuInputs): void {
  const recent = inputs.recentFiles.map((path, index) => ({ index, name: basename(path), exists: existsSync(path) }));
  const template = buildMenuTemplate({ platform: process.platform, isPackaged: inputs.isPackaged, appName: 'Diffa Studio', recent }, inputs.actions);
  Menu.setApplicationMenu(Menu.buildFromTemplate(template satisfies MenuItemConstructorOptions[]));
}
