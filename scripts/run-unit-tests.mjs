#!/usr/bin/env node
// Runs every unit test (`*.test.ts` under src-common/ and src-main/) with Node's own test runner through tsx.
// Node 20's runner does not expand globs, so the files are listed here. Extra arguments are passed through
// (e.g. `npm run test:unit -- --test-name-pattern=range`); a path argument narrows the run to matching files.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const roots = ['src-common', 'src-main', 'src-renderer', 'bench'];
const files = [];
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') walk(path);
    else if (entry.isFile() && entry.name.endsWith('.test.ts')) files.push(relative('.', path));
  }
};
for (const root of roots) {
  try {
    walk(root);
  } catch {
    // a root that does not exist yet has no tests
  }
}
const args = process.argv.slice(2);
const filters = args.filter((a) => !a.startsWith('-'));
const flags = args.filter((a) => a.startsWith('-'));
const selected = filters.length ? files.filter((f) => filters.some((filter) => f.includes(filter))) : files;
if (selected.length === 0) {
  console.error('No unit test files found.');
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--import', './scripts/svelte-test-register.mjs', '--test', ...flags, ...selected.sort()], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
