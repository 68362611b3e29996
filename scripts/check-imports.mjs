#!/usr/bin/env node
// Checks the import graph, in the spirit of VS Code's layer checks: (1) no import circles between files of
// src-common, src-main or src-renderer (type-only imports count: they are circles for a reader too); (2) which
// src-main feature folders may import which — a folder may import only the folders its rule lists. Exit code 1 on
// any violation, each named with its files. `--root DIR` checks another tree (the script's own test uses it).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * src-main's feature folders, lowest first. `api/app-services.ts` and `api/app-events.ts` are the types and the event
 * bus every feature may see (`api-types`); the rest of `api/` (handlers, dispatch) sits above the features.
 */
export const FOLDER_RULES = {
  core: [],
  files: ['core'],
  library: ['core', 'files'],
  eval: ['core'],
  models: ['core', 'api-types'],
  audio: ['core', 'files', 'api-types'],
  engine: ['core', 'audio', 'models'],
  chat: ['core', 'files', 'library', 'models', 'audio', 'engine', 'api-types'],
  interchange: ['core', 'files', 'library', 'models', 'audio', 'engine', 'chat', 'api-types'],
  api: ['core', 'files', 'library', 'models', 'audio', 'engine', 'chat', 'interchange', 'api-types'],
  compose: ['core', 'files', 'library', 'models', 'audio', 'engine', 'chat', 'interchange', 'api-types'],
  host: ['core', 'files', 'audio', 'engine', 'api', 'api-types', 'compose'],
  'shell-logic': ['core', 'files', 'api', 'api-types'],
  cli: ['core', 'files', 'library', 'eval', 'models', 'audio', 'engine', 'chat', 'interchange', 'api', 'api-types', 'compose', 'host'],
  app: ['core', 'files', 'audio', 'models', 'engine', 'api', 'api-types', 'compose', 'host', 'shell-logic'],
  // Tests and test helpers wire whatever they exercise.
  security: '*',
  'test-support': '*',
};
const API_TYPES = new Set(['api/app-services.ts', 'api/app-events.ts']);
const ROOTS = ['src-common', 'src-main', 'src-renderer'];
const IMPORT = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function listFiles(dir, out = []) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') listFiles(path, out);
    else if (/\.(ts|svelte)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The file an import names: `./x` may be `./x.ts`, `./x/index.ts`, or a `.svelte`/`.svelte.ts` module. */
function resolveImport(from, specifier, known) {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, `${base}.svelte.ts`, join(base, 'index.ts')]) if (known.has(candidate)) return candidate;
  return null;
}

export function checkImports(root) {
  const files = ROOTS.flatMap((r) => listFiles(join(root, r)));
  const known = new Set(files);
  const graph = new Map();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const targets = new Set();
    for (const match of text.matchAll(IMPORT)) {
      const target = resolveImport(file, match[1] ?? match[2], known);
      if (target) targets.add(target);
    }
    graph.set(file, targets);
  }
  const name = (file) => relative(root, file).split(sep).join('/');
  const problems = [];

  // (1) circles: strongly connected components of more than one file (Tarjan), tests left out.
  const isTest = (file) => /\.test\.ts$/.test(file);
  let index = 0;
  const stack = [];
  const state = new Map();
  const strongConnect = (file) => {
    const info = { index, low: index, onStack: true };
    index++;
    state.set(file, info);
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (isTest(next)) continue;
      const seen = state.get(next);
      if (!seen) {
        strongConnect(next);
        info.low = Math.min(info.low, state.get(next).low);
      } else if (seen.onStack) info.low = Math.min(info.low, seen.index);
    }
    if (info.low === info.index) {
      const component = [];
      for (let member = stack.pop(); ; member = stack.pop()) {
        state.get(member).onStack = false;
        component.push(member);
        if (member === file) break;
      }
      if (component.length > 1) problems.push(`import circle: ${component.map(name).sort().join(' ↔ ')}`);
    }
  };
  for (const file of files) if (!isTest(file) && !state.has(file)) strongConnect(file);

  // (2) src-main's folder rules, tests left out.
  const folderOf = (file) => {
    const parts = name(file).split('/');
    if (parts[0] !== 'src-main' || parts.length < 3) return null;
    return API_TYPES.has(`${parts[1]}/${parts[2]}`) ? 'api-types' : parts[1];
  };
  for (const [file, targets] of graph) {
    const from = folderOf(file);
    if (!from || isTest(file) || from === 'api-types') continue;
    const rule = FOLDER_RULES[from];
    if (rule === undefined) {
      problems.push(`${name(file)}: the folder src-main/${from} has no rule in scripts/check-imports.mjs`);
      continue;
    }
    if (rule === '*') continue;
    for (const target of targets) {
      const to = folderOf(target);
      if (!to || to === from || (from === 'api' && to === 'api-types')) continue;
      if (!rule.includes(to))
        problems.push(`${name(file)} imports ${name(target)}: src-main/${from} may not import src-main/${to === 'api-types' ? 'api (types)' : to}`);
    }
  }
  return { files: files.length, problems };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rootFlag = process.argv.indexOf('--root');
  const root = resolve(rootFlag >= 0 ? process.argv[rootFlag + 1] : '.');
  const { files, problems } = checkImports(root);
  for (const problem of problems) console.error(problem);
  if (problems.length) {
    console.error(`${problems.length} import rule violation(s) in ${files} files`);
    process.exit(1);
  }
  console.log(`imports: ${files} files, no circles, folder rules kept`);
}
