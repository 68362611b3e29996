#!/usr/bin/env node
// `npm start`: builds what is missing or out of date, then launches the Electron shell when its binary is available
// and otherwise the headless host (the same app in a browser), saying why in one line.
//
//   npm start [-- [--headless] [--home DIR] [--file PATH]... [--port N] [--no-open]]
//
// --headless (or DIFFA_HEADLESS=1) skips Electron entirely. Electron's binary is looked for without network access;
// when it is missing, its own installer is tried once per run, for at most 60 s.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const INSTALL_TIMEOUT_MS = 60_000;

const usage = `Usage: npm start [-- options]

  --headless       do not try Electron: run the headless host and open it in a browser (also DIFFA_HEADLESS=1)
  --home DIR       app data folder (default: $DIFFA_HOME or the platform's usual place)
  --file PATH      open this audio file at start (repeatable)
  --port N         port of the headless host (default: a free one)
  --no-open        headless host: print the URL, do not open a browser`;

// ---- arguments -------------------------------------------------------------------------------------------------------
function parseArgs(argv) {
  const options = { headless: false, open: true, home: undefined, port: undefined, files: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') fail(`${name} needs a value\n\n${usage}`);
      return v;
    };
    if (name === '--help' || name === '-h') {
      console.log(usage);
      process.exit(0);
    } else if (name === '--headless') options.headless = true;
    else if (name === '--no-open') options.open = false;
    else if (name === '--home') options.home = value();
    else if (name === '--port') options.port = value();
    else if (name === '--file') options.files.push(value());
    else fail(`Unknown option ${arg}\n\n${usage}`);
  }
  const flag = (process.env.DIFFA_HEADLESS ?? '').toLowerCase();
  if (flag !== '' && flag !== '0' && flag !== 'false') options.headless = true;
  return options;
}

function fail(message) {
  console.error(message);
  process.exit(2);
}

// ---- build what is stale ---------------------------------------------------------------------------------------------
/** Newest modification time under the given files and folders (0 when none exist). */
function newest(paths) {
  let latest = 0;
  const visit = (path) => {
    let info;
    try {
      info = statSync(path);
    } catch {
      return;
    }
    if (info.isDirectory()) {
      for (const entry of readdirSync(path)) if (entry !== 'node_modules' && !entry.startsWith('.')) visit(join(path, entry));
    } else latest = Math.max(latest, info.mtimeMs);
  };
  for (const path of paths) visit(join(root, path));
  return latest;
}

/** Oldest modification time of the outputs, or -1 when one is missing. */
function oldest(paths) {
  let earliest = Number.POSITIVE_INFINITY;
  for (const path of paths) {
    const full = join(root, path);
    if (!existsSync(full)) return -1;
    earliest = Math.min(earliest, statSync(full).mtimeMs);
  }
  return earliest;
}

function npmRun(script) {
  const npmCli = process.env.npm_execpath;
  const [command, args] = npmCli && /\.(c|m)?js$/.test(npmCli) ? [process.execPath, [npmCli, 'run', script]] : ['npm', ['run', script]];
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: command === 'npm' && process.platform === 'win32' });
  if (result.status !== 0) fail(`\`npm run ${script}\` failed (see above); fix it and run \`npm start\` again.`);
}

function buildIfStale(label, script, sources, outputs) {
  const built = oldest(outputs);
  if (built >= 0 && built >= newest(sources)) return;
  console.log(built < 0 ? `Building the ${label} (not built yet)…` : `Rebuilding the ${label} (sources changed)…`);
  npmRun(script);
}

const buildRenderer = () =>
  buildIfStale(
    'renderer',
    'build:renderer',
    ['src-renderer', 'src-common', 'vite.config.ts', 'index.html', 'tsconfig.renderer.json', 'assets'],
    ['dist/renderer/index.html'],
  );
const buildMain = () =>
  buildIfStale(
    'main process',
    'build:main',
    ['src-main', 'src-common', 'scripts/build-main.mjs'],
    [
      'dist/main/electron-main.js',
      'dist/main/engine-main.js',
      'dist/main/analysis-worker.js',
      'dist/main/block-worker.js',
      'dist/main/preload.cjs',
      'dist/main/cli.js',
    ],
  );

// ---- is Electron's binary here? ----------------------------------------------------------------------------------------
const electronDir = join(root, 'node_modules', 'electron');

/** The Electron executable, or null; reads what `require('electron')` reads but never downloads. */
function electronBinary() {
  if (!existsSync(join(electronDir, 'package.json'))) return null;
  const pathFile = join(electronDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const candidate = override ? join(override, relative || 'electron') : relative ? join(electronDir, 'dist', relative) : null;
  return candidate && existsSync(candidate) ? candidate : null;
}

/** Runs Electron's own installer once, killing it after INSTALL_TIMEOUT_MS; resolves to a short reason on failure. */
function tryInstallElectron() {
  return new Promise((resolve) => {
    console.log(`Electron's binary is not downloaded yet: trying its installer once (up to ${INSTALL_TIMEOUT_MS / 1000} s; skip with --headless)…`);
    const child = spawn(process.execPath, [join(electronDir, 'install.js')], { cwd: electronDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk) => {
      output = (output + chunk).slice(-4000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(`its download did not finish within ${INSTALL_TIMEOUT_MS / 1000} s`);
    }, INSTALL_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve(error.message);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) return resolve(null);
      const line = output
        .split('\n')
        .map((l) => l.trim())
        .find((l) => /error|ENOTFOUND|EAI_AGAIN|ECONN|ETIMEDOUT|certificate|HTTP/i.test(l));
      resolve(line ? `download failed: ${line.replace(/^Error:\s*/, '').slice(0, 160)}` : `its installer exited with code ${code}`);
    });
  });
}

const hasDisplay = () => process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);

// ---- run a child until it ends; Ctrl+C and SIGTERM stop it ---------------------------------------------------------
function runChild(command, args, env) {
  const child = spawn(command, args, { cwd: root, stdio: 'inherit', env });
  let interrupts = 0;
  const stop = (signal) => {
    // Ctrl+C in a terminal already reached the child (same process group); give it time to shut down cleanly, then
    // insist. A second Ctrl+C kills it at once.
    interrupts++;
    if (signal === 'SIGTERM') child.kill('SIGTERM');
    else if (interrupts === 1) setTimeout(() => child.exitCode === null && child.kill('SIGTERM'), 1500).unref();
    else child.kill('SIGKILL');
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => stop('SIGTERM'));
  child.on('error', (error) => fail(`Could not start ${command}: ${error.message}`));
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1)));
}

// ---- main ------------------------------------------------------------------------------------------------------------
const options = parseArgs(process.argv.slice(2));
buildRenderer();

let reason = options.headless ? 'asked for --headless' : null;
let electron = null;
if (!reason) {
  electron = electronBinary();
  if (!electron) {
    const failure = await tryInstallElectron();
    electron = electronBinary();
    if (!electron) reason = `Electron's binary is not available (offline install? ${failure ?? 'the installer did not leave a binary'})`;
  }
  if (electron && !hasDisplay()) {
    reason = 'there is no display to open a window on (DISPLAY / WAYLAND_DISPLAY unset)';
    electron = null;
  }
}

if (electron) {
  buildMain();
  const args = ['.'];
  if (options.home) args.push('--home', options.home);
  for (const file of options.files) args.push('--file', file);
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  runChild(electron, args, env);
} else {
  console.log(`${reason}: starting the headless host instead — open the URL below in a browser.`);
  const args = ['--import', 'tsx', join('src-main', 'cli', 'main.ts'), 'serve'];
  if (options.open && hasDisplay()) args.push('--open');
  if (options.home) args.push('--home', options.home);
  if (options.port) args.push('--port', options.port);
  for (const file of options.files) args.push('--file', file);
  runChild(process.execPath, args, process.env);
}
