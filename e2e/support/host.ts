import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface HostOptions {
  /** Audio files to preload with `--file`. */
  files?: string[];
  port?: number;
  token?: string;
  /** App data folder; a fresh temporary one (removed on stop) when left out. */
  home?: string;
  /** Extra environment for the host (e.g. HF_ENDPOINT pointing at a test hub); DIFFA_HOME is always the home above. */
  env?: Record<string, string>;
}

export interface RunningHost {
  /** The URL the host printed, token included. */
  url: string;
  origin: string;
  port: number;
  token: string;
  home: string;
  /** Everything the host wrote, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

/**
 * Starts the real headless host (`diffa serve`) as a subprocess with its own DIFFA_HOME and resolves once it has
 * printed its URL. `stop()` sends SIGTERM (SIGKILL after 5 s) and removes the temporary home.
 */
export async function startHost(options: HostOptions = {}): Promise<RunningHost> {
  const ownHome = options.home === undefined;
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'diffa-e2e-'));
  const watchdog = pathToFileURL(join(REPO_ROOT, 'e2e', 'support', 'exit-with-parent.mjs')).href;
  const args = ['--import', 'tsx', '--import', watchdog, join(REPO_ROOT, 'src-main', 'cli', 'main.ts'), 'serve', '--home', home];
  for (const file of options.files ?? []) args.push('--file', file);
  if (options.port !== undefined) args.push('--port', String(options.port));
  if (options.token !== undefined) args.push('--token', options.token);

  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...options.env, DIFFA_HOME: home }, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });

  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => fail(`did not print its URL within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    const onData = () => {
      const match = /^(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)$/m.exec(output);
      if (!match?.[1]) return;
      cleanup();
      resolveUrl(match[1]);
    };
    const onExit = (code: number | null) => fail(`exited with code ${code} before printing its URL`);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
    };
    function fail(why: string) {
      cleanup();
      child.kill('SIGKILL');
      reject(new Error(`The headless host ${why}. Its output:\n${output}`));
    }
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });

  const parsed = new URL(url);
  return {
    url,
    origin: parsed.origin,
    port: Number(parsed.port),
    token: parsed.searchParams.get('token') ?? '',
    home,
    output: () => output,
    stop: async () => {
      await stopChild(child);
      if (ownHome) rmSync(home, { recursive: true, force: true });
    },
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}

/** A port that was free a moment ago (for restarting a host on the same address). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolvePort(port));
    });
  });
}
