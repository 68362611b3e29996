import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const entry = join(import.meta.dirname, '..', 'cli', 'main.ts');

/** `diffa serve` in a child process (its own process group: host and engine), for tests that must see it die. */
export class ServeProcess {
  stderr = '';
  exitCode: number | null = null;
  private constructor(
    readonly child: ChildProcess,
    readonly url: URL,
  ) {}

  get port(): number {
    return Number(this.url.port);
  }
  get token(): string {
    return this.url.searchParams.get('token') ?? '';
  }
  get alive(): boolean {
    return this.exitCode === null && this.child.signalCode === null;
  }

  static async start(home: string, args: string[] = []): Promise<ServeProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, 'serve', '--home', home, ...args], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DIFFA_HOME: home },
    });
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    const url = await new Promise<URL>((resolve, reject) => {
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        if (/^http:\/\/127\.0\.0\.1:\d+\/\?token=\S+$/.test(line)) resolve(new URL(line));
      });
      child.once('exit', (code) => reject(new Error(`serve exited with ${code} before printing its URL: ${stderr}`)));
    });
    const serve = new ServeProcess(child, url);
    serve.stderr = stderr;
    child.stderr?.on('data', (chunk) => {
      serve.stderr += chunk;
    });
    child.once('exit', (code) => {
      serve.exitCode = code ?? -1;
    });
    return serve;
  }

  /** Stops the host and its engine (the whole process group). */
  stop(): void {
    try {
      if (this.child.pid) process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
