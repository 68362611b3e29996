import type { Settings } from '../../src-common/api/schemas';

export type Theme = Settings['theme'];
export type EffectiveTheme = 'light' | 'dark';

const CACHE_KEY = 'diffa.theme';

export const resolveTheme = (theme: Theme, systemDark: boolean): EffectiveTheme => (theme === 'system' ? (systemDark ? 'dark' : 'light') : theme);

/** Sets the theme on <html> (CSS variables key off `data-theme`) and remembers it for the next first paint. */
export function applyTheme(theme: EffectiveTheme): void {
  document.documentElement.dataset.theme = theme;
  document.documentElement.style.colorScheme = theme;
  try {
    localStorage.setItem(CACHE_KEY, theme);
  } catch {
    // storage can be unavailable (a file: URL, privacy settings); the theme then follows the settings a moment later
  }
}

/** The theme of the last run, used before the settings arrive so the page does not flash the other theme. */
export function cachedTheme(systemDark: boolean): EffectiveTheme {
  try {
    const value = localStorage.getItem(CACHE_KEY);
    if (value === 'light' || value === 'dark') return value;
  } catch {
    // see applyTheme
  }
  return systemDark ? 'dark' : 'light';
}
