#!/usr/bin/env node
// Bundles the main side with esbuild into dist/main/:
//   electron-main.js  the Electron shell (ESM)             engine-main.js      the engine process (ESM)
//   cli.js            the command line (ESM, plain Node)   analysis-worker.js  audio peaks/facts worker thread
//                                                          build-worker.js     the model manager's build thread
//                                                          block-worker.js     a model build's compute thread
//   *-HASH.js         code they share, and one lazily      preload.cjs         the window's preload (CommonJS: sandboxed
//                     loaded chunk per audio decoder                           preloads cannot load ESM or node_modules)
// `electron` is provided by Electron itself and `onnxruntime-node` loads a native addon next to its own files, so both
// stay external (electron-builder ships onnxruntime-node with its binaries unpacked from the asar). Everything else
// (zod, conf, electron-store, ws, …) is bundled, so the packaged app needs no other node_modules at run time.
// Flags: --watch rebuilds on change; --quiet prints nothing but errors. For tests: --outdir DIR writes elsewhere,
// --only NAME builds one bundle (e.g. electron-main), --fake-electron FILE resolves `electron` to FILE (the shell test
// runs the Electron main process in plain Node that way).
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const flag = (name) => {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
};
const outdir = flag('--outdir') ?? join(root, 'dist', 'main');
const only = flag('--only');
const fakeElectron = flag('--fake-electron') && resolve(flag('--fake-electron'));
const watch = process.argv.includes('--watch');
const quiet = process.argv.includes('--quiet');

// CommonJS packages bundled into an ESM file call require() for Node built-ins; give them a real one. (esbuild renames
// a source's own top-level `require`, as in engine-main.ts, so the two do not collide.)
const requireShim = ["import { createRequire as __diffaCreateRequire } from 'node:module';", 'const require = __diffaCreateRequire(import.meta.url);'].join(
  '\n',
);

/**
 * Some dependencies import optional packages dynamically (audio-decode registers a decoder per format, and not every
 * one is installed). esbuild would fail on the missing ones; leave exactly those as runtime imports, which then fail
 * only if that format is ever asked for — as they would without bundling.
 */
const warned = new Set();
const optionalDynamicImports = {
  name: 'optional-dynamic-imports',
  setup(build) {
    build.onResolve({ filter: /^[@\w]/ }, async (args) => {
      if (args.kind !== 'dynamic-import' || args.pluginData?.retried) return undefined;
      const result = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { retried: true } });
      if (result.errors.length === 0) return result;
      if (!quiet && !warned.has(args.path))
        console.warn(
          `build-main: optional module ${args.path} (imported dynamically by ${args.importer.replace(`${root}/`, '')}) is not installed; left as a runtime import`,
        );
      warned.add(args.path);
      return { path: args.path, external: true };
    });
  },
};

const common = {
  plugins: [optionalDynamicImports],
  bundle: true,
  platform: 'node',
  sourcemap: 'linked',
  logLevel: quiet ? 'error' : 'warning',
  absWorkingDir: root,
  legalComments: 'none',
};

/** The Node-side entry points, bundled together so that the code they share is written once. */
const nodeEntries = {
  'electron-main': 'src-main/app/electron-main.ts', // the Electron shell's main process
  cli: 'src-main/cli/main.ts', // the command line (plain Node, or the packaged app's executable as Node)
  'engine-main': 'src-main/engine/engine-main.ts', // the engine process (utilityProcess or forked child)
  'analysis-worker': 'src-main/audio/analysis-worker.ts', // peaks/facts worker thread, started beside its caller
  'build-worker': 'src-main/models/build/build-worker.ts', // the model builder's worker thread (model manager builds)
  'block-worker': 'src-main/models/build/block-worker.ts', // a model build's compute thread, started beside its caller
};

/** @type {import('esbuild').BuildOptions[]} */
const builds = [
  {
    ...common,
    entryPoints: nodeEntries,
    outdir,
    format: 'esm',
    // Electron 45 runs Node 22; the CLI and the headless host run on Node >= 20.19.
    target: 'node20',
    // Shared code and lazily imported modules (one chunk per audio decoder) go beside the entries, flat: several
    // modules find their sibling scripts (engine-main.js, analysis-worker.js) next to their own file.
    splitting: true,
    chunkNames: '[name]-[hash]',
    external: ['electron', 'onnxruntime-node'],
    banner: { js: requireShim },
  },
  {
    ...common,
    entryPoints: { preload: 'src-main/app/preload.ts' },
    outdir,
    format: 'cjs',
    platform: 'browser', // the sandboxed preload has no Node built-ins: fail the build if one sneaks in
    target: 'chrome140',
    external: ['electron'],
    outExtension: { '.js': '.cjs' },
  },
];

const selected = builds
  .filter((options) => !only || Object.keys(options.entryPoints).includes(only))
  .map((options) => (only ? { ...options, entryPoints: { [only]: options.entryPoints[only] } } : options))
  .map((options) =>
    fakeElectron ? { ...options, alias: { electron: fakeElectron }, external: (options.external ?? []).filter((name) => name !== 'electron') } : options,
  );
if (selected.length === 0) {
  console.error(`build-main: no bundle named ${only}`);
  process.exit(2);
}

const started = Date.now();
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
if (watch) {
  for (const options of selected) {
    const context = await esbuild.context(options);
    await context.watch();
  }
  console.log(`Watching src-main/ and src-common/; bundles go to ${join('dist', 'main')}. Ctrl+C stops.`);
} else {
  try {
    await Promise.all(selected.map((options) => esbuild.build(options)));
  } catch {
    // esbuild has printed the errors
    process.exit(1);
  }
  // package.json's `bin` points at the built CLI (it starts with #!/usr/bin/env node): make it runnable as a file.
  if (existsSync(join(outdir, 'cli.js'))) chmodSync(join(outdir, 'cli.js'), 0o755);
  if (!quiet) {
    const files = readdirSync(outdir).filter((name) => !name.endsWith('.map'));
    const sizes = files.map((name) => `${name} ${(statSync(join(outdir, name)).size / 1024).toFixed(0)} KiB`);
    console.log(`Built ${relative(root, outdir) || '.'} in ${Date.now() - started} ms: ${sizes.join(', ')}`);
  }
}
