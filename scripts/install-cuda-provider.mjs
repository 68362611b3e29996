#!/usr/bin/env node
// `npm run install:cuda`: installs onnxruntime-node's CUDA execution provider on purpose.
//
// The project's .npmrc sets `onnxruntime-node-install=skip`, because onnxruntime-node's postinstall otherwise
// downloads ~400 MB of CUDA libraries from NuGet whenever it sees `nvcc` — and fails the whole `npm ci` offline. This
// script runs the package's own installer with `--onnxruntime-node-install=cuda12`, which fetches
// Microsoft.ML.OnnxRuntime.Gpu.Linux (the same version as onnxruntime-node) from api.nuget.org and puts
// libonnxruntime_providers_{cuda,shared,tensorrt}.so next to the binding. Only Linux x64 has that package; on other
// platforms it prints the providers the platform already has. `npm ci` reinstalls onnxruntime-node without them:
// run this again afterwards. Flags: --force reinstalls over existing files; --dry-run says what would happen.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ortDir = join(root, 'node_modules', 'onnxruntime-node');
const force = process.argv.includes('--force');
const dryRun = process.argv.includes('--dry-run');

if (!existsSync(join(ortDir, 'package.json'))) {
  console.error('onnxruntime-node is not installed: run `npm ci` first.');
  process.exit(1);
}
const ortVersion = JSON.parse(readFileSync(join(ortDir, 'package.json'), 'utf8')).version;

/** The execution providers this onnxruntime-node build knows on this platform (asked in a child, so a broken native binding cannot take this script down). */
function providers() {
  const probe = spawnSync(
    process.execPath,
    ['-e', `const o=require(${JSON.stringify(ortDir)});console.log(JSON.stringify(o.listSupportedBackends().map(b=>b.name+(b.bundled?'':' (not bundled)'))))`],
    { encoding: 'utf8' },
  );
  try {
    return JSON.parse(probe.stdout.trim());
  } catch {
    return [`(could not load onnxruntime-node: ${(probe.stderr || '').trim().split('\n')[0]})`];
  }
}

const platform = `${process.platform}/${process.arch}`;
if (platform !== 'linux/x64') {
  const notes = {
    win32: 'On Windows the engine uses DirectML (dml, bundled with onnxruntime-node) for the GPU, else the CPU.',
    darwin: 'On macOS the engine uses CoreML where the model allows it, else the CPU.',
  };
  console.log(`The CUDA provider for onnxruntime-node is published for Linux x64 only; this is ${platform}, so there is nothing to install.`);
  if (notes[process.platform]) console.log(notes[process.platform]);
  console.log(`Providers onnxruntime-node ${ortVersion} offers here: ${providers().join(', ')}`);
  process.exit(0);
}

const binDir = join(ortDir, 'bin', 'napi-v6', 'linux', 'x64');
const libraries = ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so', 'libonnxruntime_providers_tensorrt.so'];
const present = () => libraries.every((name) => existsSync(join(binDir, name)));

console.log(`Installing the CUDA 12 execution provider for onnxruntime-node ${ortVersion}:
  it downloads Microsoft.ML.OnnxRuntime.Gpu.Linux ${ortVersion} from https://api.nuget.org (several hundred MB) and
  copies ${libraries.join(', ')}
  into ${binDir}.
  At run time it needs an NVIDIA driver, the CUDA 12 runtime and cuDNN 9 on the library path; without them the engine
  reports that CUDA failed to load and uses the CPU.`);

if (present() && !force) {
  console.log('\nThe CUDA provider is already installed (use --force to download it again).');
  process.exit(0);
}
if (dryRun) {
  console.log(`\n--dry-run: would run node ${join('node_modules', 'onnxruntime-node', 'script', 'install.js')} --onnxruntime-node-install=cuda12`);
  process.exit(0);
}

// How onnxruntime-node 1.30's installer reads its flag, and why the environment is adjusted:
// - it reads ONNXRUNTIME_NODE_INSTALL and npm_config_onnxruntime_node_install before argv, and npm exports the
//   project's .npmrc `skip` as the latter: set the former, drop the latter;
// - its parser drops string values (`cuda12` parses as "no flag"), and with no flag it exits silently when
//   npm_config_local_prefix / npm_package_json say it runs from the project itself (true under `npm run`): drop
//   those, so it falls through to the platform's requirements, which for linux/x64 are exactly cuda12;
// - with no flag it also stops when the files exist, so --force passes `true` (install the platform's set anyway).
const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: force ? 'true' : 'cuda12' };
for (const name of [
  'npm_config_onnxruntime_node_install',
  'ONNXRUNTIME_NODE_INSTALL_CUDA',
  'npm_config_onnxruntime_node_install_cuda',
  'npm_config_local_prefix',
  'npm_package_json',
]) {
  delete env[name];
}
const run = spawnSync(process.execPath, [join(ortDir, 'script', 'install.js'), '--onnxruntime-node-install=cuda12'], { cwd: ortDir, env, stdio: 'inherit' });
if (run.status !== 0 || !present()) {
  console.error(`\nThe CUDA provider was not installed (installer exit code ${run.status}). It needs access to api.nuget.org; behind a proxy set
GLOBAL_AGENT_HTTPS_PROXY. The app keeps working on the CPU.`);
  process.exit(1);
}

const hasDriver = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8' }).status === 0;
console.log(`\nInstalled. Providers onnxruntime-node offers now: ${providers().join(', ')}.`);
console.log(
  hasDriver
    ? 'An NVIDIA driver is present: with the provider setting on "auto" or "cuda" the engine will try CUDA first.'
    : 'Note: nvidia-smi was not found, so no NVIDIA driver may be installed; CUDA will fail to load until one is.',
);
