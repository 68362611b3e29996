import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding the app's package.json, whether running from source (tsx), from the esbuild output in dist/,
 * or packaged inside an asar archive.
 */
export function appRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'diffa-studio') return dir;
      } catch {
        // not ours; keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Cannot find the Diffa Studio install folder above ${from}`);
    dir = parent;
  }
}

/** Files electron-builder unpacks from the asar (native binaries, models) live beside it in app.asar.unpacked. */
export function unpackedPath(root: string, ...parts: string[]): string {
  return join(root.replace(/app\.asar(?=$|[\\/])/, 'app.asar.unpacked'), ...parts);
}

export const bundledModelsDir = (root = appRoot()) => unpackedPath(root, 'models');
export const rendererDir = (root = appRoot()) => join(root, 'dist', 'renderer');
export const appVersion = (root = appRoot()) => (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
