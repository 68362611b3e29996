import type { Settings } from '../../../src-common/api/schemas';
import { DisposableStore, toDisposable } from '../../../src-common/lifecycle';
import type { PageApi } from '../api-session';
import type { MediaWatch } from '../env';
import { type EffectiveTheme, resolveTheme, type Theme } from '../theme';
import type { ErrorSink } from './toasts.svelte';

export interface SettingsDeps {
  api: PageApi;
  toasts: ErrorSink;
  /** The system's `prefers-color-scheme: dark`. */
  darkScheme: MediaWatch;
}

/** The app's settings as the main side keeps them, and the theme they resolve to on this system. */
export class SettingsStore {
  current = $state<Settings | null>(null);
  systemDark = $state(false);
  theme: Theme = $derived(this.current?.theme ?? 'system');
  effectiveTheme: EffectiveTheme = $derived(resolveTheme(this.theme, this.systemDark));
  private readonly api: PageApi;
  private readonly toasts: ErrorSink;
  private readonly disposables = new DisposableStore();

  constructor({ api, toasts, darkScheme }: SettingsDeps) {
    this.api = api;
    this.toasts = toasts;
    this.systemDark = darkScheme.matches;
    this.disposables.add(
      toDisposable(
        darkScheme.on((dark) => {
          this.systemDark = dark;
        }),
      ),
    );
    this.disposables.add(
      toDisposable(
        api.on('settings.changed', (settings) => {
          this.current = settings;
        }),
      ),
    );
    this.disposables.add(toDisposable(api.onConnected(() => void this.fetch())));
  }

  private async fetch(): Promise<void> {
    try {
      this.current = await this.api.request('settings.get');
    } catch (error) {
      this.toasts.error(error, 'Cannot read the settings');
    }
  }

  async setTheme(theme: Theme): Promise<void> {
    try {
      this.current = await this.api.request('settings.update', { theme });
    } catch (error) {
      this.toasts.error(error, 'Cannot change the theme');
    }
  }

  /** The menu's "Toggle theme": switches to the opposite of what is shown now. */
  toggleTheme(): Promise<void> {
    return this.setTheme(this.effectiveTheme === 'dark' ? 'light' : 'dark');
  }

  dispose(): Promise<void> {
    return this.disposables.dispose();
  }
}
