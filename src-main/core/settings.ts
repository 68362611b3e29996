import { type Settings, type SettingsPatch, SettingsSchema } from '../../src-common/api/schemas';

export const DEFAULT_SETTINGS: Settings = {
  theme: 'system',
  provider: 'auto',
  reducedMotion: false,
  decodingPreset: 'faithful',
  heardPart: 'start',
  stepPace: 'readable',
  recentFiles: [],
};

/** Settings storage as the main side sees it; conf in plain Node, electron-store in the Electron shell. */
export interface SettingsStore {
  get(): Settings;
  update(patch: SettingsPatch): Settings;
  addRecentFile(path: string): Settings;
  onChange(listener: (settings: Settings) => void): () => void;
}

/** The key/value backend both conf and electron-store offer. */
export interface KeyValueBackend {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

/** Settings over any key/value backend; values that fail the schema (a hand-edited file, an old version) fall back to defaults. */
export function createSettingsStore(backend: KeyValueBackend): SettingsStore {
  const listeners = new Set<(settings: Settings) => void>();
  const read = (): Settings => {
    const parsed = SettingsSchema.safeParse({ ...DEFAULT_SETTINGS, ...((backend.get('settings') as object | undefined) ?? {}) });
    return parsed.success ? parsed.data : DEFAULT_SETTINGS;
  };
  const write = (next: Settings): Settings => {
    const valid = SettingsSchema.parse(next);
    backend.set('settings', valid);
    for (const listener of listeners) listener(valid);
    return valid;
  };
  return {
    get: read,
    update: (patch) => write({ ...read(), ...patch }),
    addRecentFile: (path) => {
      const current = read();
      return write({ ...current, recentFiles: [path, ...current.recentFiles.filter((p) => p !== path)].slice(0, 20) });
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
