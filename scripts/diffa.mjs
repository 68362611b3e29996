#!/usr/bin/env node
// `npm run diffa -- <command> …`: runs the built command line (dist/main/cli.js, what package.json's `bin` and the
// installed app's resources/bin/diffa run), building dist/main first when it is missing or a source is newer. No
// TypeScript is compiled at run time, so a question costs what the built CLI costs.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'main', 'cli.js');

/** The newest modification time under the folders the main-side bundles are built from. */
function newestSource() {
  let newest = statSync(join(root, 'package.json')).mtimeMs;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|mts|js|mjs|json)$/.test(entry.name) && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const folder of ['src-main', 'src-common']) walk(join(root, folder));
  return Math.max(newest, statSync(join(root, 'scripts', 'build-main.mjs')).mtimeMs);
}

if (!existsSync(cli) || newestSource() > statSync(cli).mtimeMs) {
  console.error('diffa: sources changed since the last build; building dist/main …');
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build-main.mjs'), '--quiet'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
await import(pathToFileURL(cli).href);
