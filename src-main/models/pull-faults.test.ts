import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../test-support/temp-dir';
import { listInstalledModels } from './installed-models';
import { partPath, sizeOf, stagingBundle } from './staging';
import { type Fault, TestHub } from './testing/hub-server';
import { makeBundle, repoFiles, type TestBundle } from './testing/make-bundle';
import { type CliResult, runModelsCli } from './testing/run-cli';
import { checkModel } from './verify';

/**
 * Every way a download can go wrong, each against the real test hub and the whole CLI as a user runs it: the pull
 * must end with the model installed and verified, or with one line naming the file and the problem and a non-zero
 * exit — never silently, never with a half model listed.
 */
const hub = new TestHub();
const sizes = { 'audio.onnx': 300_000, 'llm.onnx': 1_500_000, 'tokenizer.json': 5_000 };
let count = 0;

before(async () => {
  await hub.start();
});
after(() => hub.close());

/** A fresh app folder with these model settings, and a fresh repo. */
function setup(home = tempDir(), settings: Record<string, unknown> = {}): { home: string; models: string; repo: string; id: string; bundle: TestBundle } {
  count++;
  const id = `fault-model-${count}`;
  const bundle = makeBundle(id, sizes);
  hub.addRepo(`org/${id}`, repoFiles(bundle));
  mkdirSync(join(home, 'settings'), { recursive: true });
  writeFileSync(join(home, 'settings', 'models.json'), JSON.stringify(settings));
  return { home, models: join(home, 'models'), repo: `org/${id}`, id, bundle };
}

const pull = (home: string, repo: string) => runModelsCli(home, hub.url, ['pull', repo]).done;
const installedIds = (models: string) => listInstalledModels(join(models, 'none'), models).map((m) => m.id);

async function assertInstalled(result: CliResult, models: string, id: string): Promise<void> {
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, new RegExp(`Installed ${id} .*SHA-256 verified`));
  assert.deepEqual(installedIds(models), [id]);
  assert.deepEqual((await checkModel(join(models, id))).problems, []);
}

function assertFailed(result: CliResult, models: string, message: RegExp): void {
  assert.equal(result.code, 1, `exit code; stdout: ${result.stdout} stderr: ${result.stderr}`);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr: ${result.stderr}`);
  assert.match(lines[0] as string, /^diffa models: /);
  assert.match(lines[0] as string, message);
  assert.deepEqual(installedIds(models), [], 'a failed pull never lists the model as installed');
}

async function pullWith(path: string, ...faults: Fault[]) {
  // Only the stall test shortens the stall timeout: on a loaded machine 1 s of silence can happen for no fault.
  const s = setup(tempDir(), faults.some((f) => f.kind === 'stall') ? { stallSeconds: 1 } : {});
  hub.resetCounts();
  hub.fault(path, ...faults);
  return { ...s, result: await pull(s.home, s.repo) };
}

describe('every pull ends installed or with an error', () => {
  it('drop: a connection cut mid-file resumes from the byte where it stopped', async () => {
    const s = await pullWith('llm.onnx', { kind: 'drop', after: 200_000 });
    await assertInstalled(s.result, s.models, s.id);
    // The second request resumes where the first stopped; only bytes the hub had put in the socket but the client
    // had not read when the connection was cut (none on a quiet machine) may come twice.
    const ranges = hub.requests.filter((r) => r.path === 'llm.onnx').map((r) => r.range);
    assert.equal(ranges.length, 2);
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(ranges[1] ?? '')?.[1]);
    assert.ok(resumedAt > 0 && resumedAt <= 200_000, `resumed at ${ranges[1]}`);
    assert.equal(hub.bytesServed('llm.onnx'), sizes['llm.onnx'] + 200_000 - resumedAt);
  });

  it('stall: a silent connection is dropped after the stall timeout and retried', async () => {
    const s = await pullWith('audio.onnx', { kind: 'stall', after: 100_000 });
    await assertInstalled(s.result, s.models, s.id);
    assert.equal(hub.bytesServed('audio.onnx'), sizes['audio.onnx']);
  });

  it('404: fails at once, naming the file', async () => {
    const s = await pullWith('llm.onnx', { kind: 'status', status: 404 });
    assertFailed(s.result, s.models, /^diffa models: Could not download llm\.onnx for fault-model-\d+: not found on the server \(HTTP 404\)$/);
  });

  it('500: retried with backoff, then installed', async () => {
    const s = await pullWith('tokenizer.json', { kind: 'status', status: 500 }, { kind: 'status', status: 502 });
    await assertInstalled(s.result, s.models, s.id);
    assert.equal(hub.requests.filter((r) => r.path === 'tokenizer.json').length, 3);
  });

  it('416 on every request: fails after a bounded number of fresh starts', async () => {
    const s = await pullWith('llm.onnx', ...Array.from({ length: 5 }, () => ({ kind: 'status' as const, status: 416 })));
    assertFailed(s.result, s.models, /Could not download llm\.onnx for fault-model-\d+: the server keeps refusing to resume \(HTTP 416\)/);
  });

  it('more bytes than declared (chunked body): fails, naming the file', async () => {
    const s = await pullWith('llm.onnx', { kind: 'extra', extra: 100_000 });
    assertFailed(s.result, s.models, /Could not download llm\.onnx for fault-model-\d+: the server sent more than the expected 1500000 bytes/);
  });

  it('more bytes than declared (Content-Length): fails, naming the file, and the process ends', async () => {
    const s = setup();
    hub.replaceContent(s.repo, 'llm.onnx', Buffer.alloc(sizes['llm.onnx'] + 300_000));
    assertFailed(
      await pull(s.home, s.repo),
      s.models,
      /Could not download llm\.onnx for fault-model-\d+: the server has 1800000 bytes, the model's file list says 1500000/,
    );
  });

  it('fewer bytes (a chunked body that ends early): the rest is fetched with a Range request', async () => {
    const s = await pullWith('llm.onnx', { kind: 'short', missing: 500_000 });
    await assertInstalled(s.result, s.models, s.id);
    assert.equal(hub.bytesServed('llm.onnx'), sizes['llm.onnx']);
    assert.deepEqual(
      hub.requests.filter((r) => r.path === 'llm.onnx').map((r) => r.range),
      [undefined, 'bytes=1000000-'],
    );
  });

  it('fewer bytes (Content-Length): fails, naming the file', async () => {
    const s = setup();
    hub.replaceContent(s.repo, 'audio.onnx', Buffer.alloc(sizes['audio.onnx'] - 1));
    assertFailed(
      await pull(s.home, s.repo),
      s.models,
      /Could not download audio\.onnx for fault-model-\d+: the server has 299999 bytes, the model's file list says 300000/,
    );
  });

  it('wrong hash once: that file alone is fetched again, then installed', async () => {
    const s = await pullWith('llm.onnx', { kind: 'corrupt' });
    await assertInstalled(s.result, s.models, s.id);
    assert.equal(hub.bytesServed('llm.onnx'), 2 * sizes['llm.onnx']);
    assert.equal(hub.bytesServed('audio.onnx'), sizes['audio.onnx']);
  });

  it('wrong hash every time: fails, naming the file', async () => {
    const s = setup();
    hub.replaceContent(s.repo, 'tokenizer.json', Buffer.alloc(sizes['tokenizer.json'], 7));
    assertFailed(
      await pull(s.home, s.repo),
      s.models,
      /^diffa models: Could not download tokenizer\.json for fault-model-\d+: SHA-256 [0-9a-f]{64} does not match the expected [0-9a-f]{64}$/,
    );
  });

  it('full disk (a real, small filesystem): fails with a message, keeps what was written, resumes once space is freed', async (t) => {
    const mount = mkdtempSync(join(tmpdir(), 'diffa-full-disk-'));
    try {
      // The pull refuses to start without 64 MiB to spare, so the filesystem has room at the start; another
      // program then fills it while the download runs.
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=72m', 'tmpfs', mount], { stdio: 'ignore' });
    } catch (error) {
      rmSync(mount, { recursive: true, force: true });
      t.skip(`cannot mount a small tmpfs here (needs root, as in CI): ${(error as Error).message.split('\n')[0]}`);
      return;
    }
    try {
      const s = setup(mount);
      hub.resetCounts();
      hub.rate = 500_000;
      const first = runModelsCli(s.home, hub.url, ['pull', s.repo]);
      const deadline = Date.now() + 30_000;
      while (hub.bytesServed('llm.onnx') < 300_000) {
        assert.ok(Date.now() < deadline, 'the download made no progress');
        await new Promise((r) => setTimeout(r, 10));
      }
      const filler = join(mount, 'filler.bin');
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=1M', 'count=100'], { stdio: 'ignore' });
      } catch {
        // dd stops with "no space left", which is the point.
      }
      const failed = await first.done;
      hub.rate = 0;
      assertFailed(failed, s.models, /Could not download (llm|audio)\.onnx for fault-model-\d+: the disk is full; free some space and pull again/);
      const kept = sizeOf(partPath(join(stagingBundle(s.models, s.id), 'llm.onnx'))) ?? 0;
      assert.ok(kept > 0, 'the bytes written before the disk filled up are kept');

      rmSync(filler);
      hub.resetCounts();
      await assertInstalled(await pull(s.home, s.repo), s.models, s.id);
      assert.equal(hub.bytesServed('llm.onnx'), sizes['llm.onnx'] - kept, 'only the missing bytes are fetched');
    } finally {
      hub.rate = 0;
      execFileSync('umount', ['-l', mount]);
      rmSync(mount, { recursive: true, force: true });
    }
  });
});
