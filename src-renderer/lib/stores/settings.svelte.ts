import type { Settings } from '../../../src-common/api/schemas';
import { api } from '../api';
import { type EffectiveTheme, resolveTheme, type Theme } from '../theme';
import { toasts } from './toasts.svelte';

const darkQuery = window.matchMedia('(prefers-color-scheme: dark)');

/** The app's settings as the main side keeps them, and the theme they resolve to on this system. */
class SettingsState {
  current = $state<Settings | null>(null);
  systemDark = $state(darkQuery.matches);
  theme: Theme = $derived(this.current?.theme ?? 'system');
  effectiveTheme: EffectiveTheme = $derived(resolveTheme(this.theme, this.systemDark));

  constructor() {
    darkQuery.addEventListener('change', (event) => {
      this.systemDark = event.matches;
    });
    api.on('settings.changed', (settings) => {
      this.current = settings;
    });
    api.onConnected(() => {
      api.request('settings.get').then(
        (settings) => {
          this.current = settings;
        },
        (error) => toasts.error(error, 'Cannot read the settings'),
      );
    });
  }

  async setTheme(theme: Theme): Promise<void> {
    try {
      this.current = await api.request('settings.update', { theme });
    } catch (error) {
      toasts.error(error, 'Cannot change the theme');
    }
  }

  /** The menu's "Toggle theme": switches to the opposite of what is shown now. */
  toggleTheme(): Promise<void> {
    return this.setTheme(this.effectiveTheme === 'dark' ? 'light' : 'dark');
  }
}

export const settings = new SettingsState();
