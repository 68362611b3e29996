import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { MAX_MESSAGE_BYTES } from '../../src-common/api/contract';
import { type LibraryDoc, LibraryDocSchema } from '../../src-common/api/library';
import { tempDir } from '../test-support/temp-dir';
import { writeSineWav } from '../test-support/wav';

/**
 * Crash safety of the headless host (`diffa serve`): killed with SIGKILL mid-answer and mid-save, then started again
 * on the same home, the library files are intact and readable, the answer that was running comes back as
 * `interrupted`, and what was saved before the kill is still there. Uses the bundled model (answers don't matter).
 */
const entry = join(import.meta.dirname, '..', 'cli', 'main.ts');
const spawned = new Set<ChildProcess>();
after(() => {
  // nothing outlives the test: every host was started in its own process group (host + engine)
  for (const child of spawned) killGroup(child);
});

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

interface Reply {
  type: 'response';
  id: number;
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string };
}
type EventMessage = { type: 'event'; event: string; data: unknown };

/** A running `serve` process and a WebSocket client of it. */
class HostProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: Reply) => void>();
  private readonly listeners = new Set<(event: EventMessage) => void>();
  ws!: WebSocket;
  url!: string;

  constructor(readonly child: ChildProcess) {}

  static async start(home: string, file: string): Promise<HostProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, 'serve', '--home', home, '--file', file], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DIFFA_HOME: home },
    });
    spawned.add(child);
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    const host = new HostProcess(child);
    host.url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start in 60 s: ${stderr}`)), 60_000);
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        if (/^http:\/\/127\.0\.0\.1:\d+\/\?token=\S+$/.test(line)) {
          clearTimeout(timer);
          resolve(line);
        }
      });
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
    });
    host.ws = await host.connect();
    return host;
  }

  async connect(): Promise<WebSocket> {
    const ws = new WebSocket(this.url.replace('http', 'ws').replace('/?', '/api?'));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.on('error', () => undefined); // the host is killed under it
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Reply | EventMessage;
      if (message.type === 'event') for (const listener of this.listeners) listener(message);
      else this.waiting.get(message.id)?.(message);
    });
    return ws;
  }

  /** Sends a request; resolves with its reply. */
  request(method: string, params: unknown = {}): Promise<Reply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, resolve);
      this.ws.send(JSON.stringify({ type: 'request', id, method, params }), (error) => error && reject(error));
    });
  }

  async call<T>(method: string, params: unknown = {}): Promise<T> {
    const reply = await this.request(method, params);
    assert.ok(reply.ok, `${method}: ${JSON.stringify(reply.error)}`);
    return reply.result as T;
  }

  onEvent(listener: (event: EventMessage) => void): void {
    this.listeners.add(listener);
  }

  /** SIGKILL to the host alone (its engine child is left to notice by itself). */
  async kill(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
    this.ws.terminate();
  }

  async stop(): Promise<void> {
    this.ws.terminate();
    killGroup(this.child);
  }
}

/** Every library document on disk parses with the schema; none was put aside as unreadable. */
function libraryOnDisk(home: string): LibraryDoc[] {
  const dir = join(home, 'library');
  const names = readdirSync(dir);
  assert.deepEqual(
    names.filter((name) => name.includes('.unreadable-')),
    [],
    'no document was found unreadable',
  );
  return names.filter((name) => name.endsWith('.json')).map((name) => LibraryDocSchema.parse(JSON.parse(readFileSync(join(dir, name), 'utf8'))));
}

const fileIdOf = async (host: HostProcess) => ((await host.call<{ id: string }[]>('files.list'))[0] as { id: string }).id;

describe('crash safety of the headless host', { timeout: 240_000 }, () => {
  // One home through three hosts: A is killed mid-answer, B checks that and is killed mid-save, C checks that.
  const dir = tempDir('diffa-crash-');
  const audio = writeSineWav(join(dir, 'tone.wav'), 2);
  const home = join(dir, 'home');
  let asked: { id: string; status: string };

  it('A, killed mid-answer: the library on disk is whole, the answer saved as pending; the engine does not outlive its host', async () => {
    const host = await HostProcess.start(home, audio);
    try {
      const fileId = await fileIdOf(host);
      await host.call('regions.save', { fileId, region: { id: 'r1', start: 0.2, end: 1.2, label: 'tone' } });
      let engine: number | null = null;
      host.onEvent((event) => {
        if (event.event === 'engine.status') engine = (event.data as { pid: number | null }).pid ?? engine;
      });
      const firstStep = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no chat.step within 90 s')), 90_000);
        host.onEvent((event) => {
          if (event.event === 'chat.step') {
            clearTimeout(timer);
            resolve();
          }
          // the answer ended before any step: the model did not load, say why instead of waiting
          const exchange = (event.data as { exchange?: { status: string; error: string | null } }).exchange;
          if (event.event === 'chat.updated' && exchange?.status !== 'pending') {
            clearTimeout(timer);
            reject(new Error(`the answer ended before its first step: ${exchange?.status} ${exchange?.error}`));
          }
        });
      });
      const decoding = { steps: 64, genLength: 64, blockLength: 64 };
      asked = await host.call<{ id: string; status: string }>('chat.ask', { fileId, regionId: 'r1', question: 'What is this sound?', decoding });
      assert.equal(asked.status, 'pending');
      await firstStep;
      engine ??= (await host.call<{ pid: number | null }>('engine.status')).pid;
      await host.kill();
      // the engine notices that its parent is gone (the IPC channel closes) and ends
      if (engine !== null) {
        const deadline = Date.now() + 20_000;
        while (alive(engine) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
        assert.equal(alive(engine), false, `engine ${engine} still running after its host was killed`);
      }
      const [doc, ...others] = libraryOnDisk(home);
      assert.ok(doc);
      assert.equal(others.length, 0);
      assert.deepEqual(
        doc.regions.map((r) => r.id),
        ['r1'],
      );
      assert.equal(doc.exchanges.find((e) => e.id === asked.id)?.status, 'pending', 'saved as pending before the engine started');
    } finally {
      await host.stop();
    }
  });

  let confirmed = 0;
  let onDisk = 0;
  it('B: the answer comes back interrupted; then, killed while saving regions as fast as it can, every document stays whole', async (t) => {
    const host = await HostProcess.start(home, audio);
    try {
      const fileId = await fileIdOf(host);
      const reopened = await host.call<LibraryDoc>('library.get', { id: fileId });
      const exchange = reopened.exchanges.find((e) => e.id === asked?.id);
      assert.equal(exchange?.status, 'interrupted');
      assert.match(exchange?.error ?? '', /stopped before this answer was finished/);
      assert.deepEqual(
        reopened.regions.map((r) => r.id),
        ['r1'],
      );

      // hammer: up to 400 saves in flight, each a new region, until a kill at a random moment
      let stop = false;
      let sent = 0;
      const hammer = (async () => {
        for (let i = 0; i < 400 && !stop; i++) {
          const region = { id: `h${i}`, start: i * 0.001, end: 1 + i * 0.001, label: 'x'.repeat(50 + (i % 150)) };
          sent++;
          void host.request('regions.save', { fileId, region }).then((reply) => {
            if (reply.ok) confirmed++;
          });
          if (i % 20 === 19) await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      // a random moment while saves are landing: after 1–40 of them were confirmed, plus 0–20 ms
      const target = 1 + Math.floor(Math.random() * 40);
      const deadline = Date.now() + 20_000;
      while (confirmed < target && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 1));
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 20)));
      await host.kill();
      stop = true;
      await hammer.catch(() => undefined);

      const [doc, ...others] = libraryOnDisk(home);
      assert.ok(doc);
      assert.equal(others.length, 0);
      onDisk = doc.regions.filter((r) => r.id.startsWith('h')).length;
      // a save is confirmed only after its write: later writes may have landed too
      t.diagnostic(`killed with ${sent} saves sent, ${confirmed} confirmed, ${onDisk} on disk`);
      assert.ok(onDisk >= confirmed, `${onDisk} regions on disk, ${confirmed} of ${sent} saves confirmed`);
      assert.ok(doc.regions.some((r) => r.id === 'r1'));
      assert.equal(doc.exchanges.find((e) => e.id === asked?.id)?.status !== undefined, true);
    } finally {
      await host.stop();
    }
  });

  it('C: reads back what B left (its interrupted saves cleaned away), takes new saves, and survives a WebSocket frame over the size limit', async (t) => {
    // B's kill may or may not have caught a save between write and rename; one more such file makes the check certain.
    const library = join(home, 'library');
    const leftByB = readdirSync(library).filter((name) => name.endsWith('.tmp')).length;
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(join(library, `${'c'.repeat(64)}.json.${dead}.${Date.now()}.tmp`), '{"regions":[{"id":"h');
    t.diagnostic(`${leftByB} temporary files left by the kill in B, plus one planted`);
    const host = await HostProcess.start(home, audio);
    try {
      assert.deepEqual(
        readdirSync(library).filter((name) => name.endsWith('.tmp')),
        [],
        'no debris of interrupted saves after the start',
      );
      const fileId = await fileIdOf(host);
      const doc = await host.call<LibraryDoc>('library.get', { id: fileId });
      assert.equal(doc.regions.filter((r) => r.id.startsWith('h')).length, onDisk);
      assert.ok(doc.regions.some((r) => r.id === 'r1'));
      await host.call('regions.save', { fileId, region: { id: 'after', start: 0, end: 1 } });

      const big = await host.connect();
      const closed = new Promise<number>((resolve) => big.once('close', (code) => resolve(code)));
      big.send(`"${'x'.repeat(MAX_MESSAGE_BYTES + 1)}"`);
      assert.equal(await closed, 1009);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(host.child.exitCode, null, 'the host is still running');
      assert.ok((await host.request('app.info')).ok);
      assert.equal(libraryOnDisk(home).length, 1);
    } finally {
      await host.stop();
    }
  });
});
