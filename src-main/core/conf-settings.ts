import Conf from 'conf';
import { createSettingsStore, type SettingsStore } from './settings';

/** Settings for the headless host and the CLI, in `<home>/settings/config.json` (written atomically by conf). */
export function openConfSettings(dir: string): SettingsStore {
  const conf = new Conf<Record<string, unknown>>({ cwd: dir, configName: 'config', projectName: 'diffa-studio' });
  return createSettingsStore({ get: (key) => conf.get(key), set: (key, value) => conf.set(key, value) });
}
