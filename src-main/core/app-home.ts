import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Where the app keeps its data: models, the per-file library, settings, caches and the host's uploads. */
export interface AppHome {
  root: string;
  models: string;
  library: string;
  cache: string;
  uploads: string;
  settings: string;
}

/** The platform's usual place for application data, as Electron's `app.getPath('userData')` would choose it. */
export function defaultHomeRoot(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Diffa Studio');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Diffa Studio');
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'diffa-studio');
}

/** `--home` wins over `DIFFA_HOME`, which wins over the platform default; tests and CLI runs use either to isolate. */
export function resolveHomeRoot(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.DIFFA_HOME) return resolve(env.DIFFA_HOME);
  return defaultHomeRoot(env);
}

export function openAppHome(root: string): AppHome {
  const home: AppHome = {
    root,
    models: join(root, 'models'),
    library: join(root, 'library'),
    cache: join(root, 'cache'),
    uploads: join(root, 'uploads'),
    settings: join(root, 'settings'),
  };
  for (const dir of Object.values(home)) mkdirSync(dir, { recursive: true });
  return home;
}
