import { extname, isAbsolute, resolve } from 'node:path';
import { AUDIO_EXTENSIONS } from '../files/media-types';

/** What the Electron shell takes from its command line (also from a second instance's command line). */
export interface ShellArgs {
  /** `--home DIR` / `--home=DIR`: the app data folder, as `resolveHomeRoot` takes it. */
  home: string | undefined;
  /** Audio files to open: `--file PATH` (repeatable) and bare paths with an audio extension (file associations). */
  files: string[];
}

const audioExtensions = new Set(AUDIO_EXTENSIONS.map((ext) => `.${ext}`));

/**
 * Reads the shell's own options from `argv` (without the executable). Chromium and Electron switches (`--inspect`,
 * `--no-sandbox`, …), the app folder in development (`electron .`) and anything that is not an audio path are
 * ignored, so a second instance's command line can be handed over as it is. Relative paths resolve against `cwd`
 * (a second instance passes its own working directory).
 */
export function parseShellArgs(argv: readonly string[], cwd: string = process.cwd()): ShellArgs {
  let home: string | undefined;
  const files: string[] = [];
  const toPath = (value: string) => (isAbsolute(value) ? value : resolve(cwd, value));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--home' || arg === '--file') {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) continue;
      i++;
      if (arg === '--home') home = toPath(value);
      else files.push(toPath(value));
    } else if (arg.startsWith('--home=')) {
      const value = arg.slice('--home='.length);
      if (value) home = toPath(value);
    } else if (arg.startsWith('--file=')) {
      const value = arg.slice('--file='.length);
      if (value) files.push(toPath(value));
    } else if (!arg.startsWith('-') && audioExtensions.has(extname(arg).toLowerCase())) {
      files.push(toPath(arg));
    }
  }
  return { home, files: [...new Set(files)] };
}
