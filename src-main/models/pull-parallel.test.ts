import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../test-support/temp-dir';
import { listInstalledModels } from './installed-models';
import { RangeMap } from './range-map';
import { partPath, stagingBundle } from './staging';
import { type Fault, TestHub } from './testing/hub-server';
import { makeBundle, repoFiles } from './testing/make-bundle';
import { type CliResult, runModelsCli } from './testing/run-cli';
import { checkModel } from './verify';

/**
 * Pulls that fetch a large file over several connections (byte ranges side by side), through the whole CLI against
 * the real test hub, with the faults of pull-faults.test.ts that matter for ranges: every pull ends installed and
 * verified, or with one line naming the file, and a resume fetches only what is missing.
 */
const hub = new TestHub();
const sizes = { 'audio.onnx': 300_000, 'llm.onnx': 3_000_000, 'tokenizer.json': 5_000 };
/** llm.onnx is above the split size: 4 connections, pieces of 375 kB. */
const splitting = { connections: 4, splitAboveMB: 1 };
let count = 0;

before(async () => {
  await hub.start();
});
after(() => hub.close());

function setup(settings: Record<string, unknown> = splitting) {
  count++;
  const id = `ranged-model-${count}`;
  const bundle = makeBundle(id, sizes);
  hub.addRepo(`org/${id}`, repoFiles(bundle));
  const home = tempDir();
  mkdirSync(join(home, 'settings'), { recursive: true });
  writeFileSync(join(home, 'settings', 'models.json'), JSON.stringify(settings));
  return { home, models: join(home, 'models'), repo: `org/${id}`, id, bundle };
}

/** Until the hub has seen every connection of a stopped client close (it counts what it writes until then). */
async function connectionsClosed(): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (hub.openConnections > 0) {
    assert.ok(Date.now() < deadline, `${hub.openConnections} connections still open`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Bytes of llm.onnx the requests since the last reset asked for (by their Range headers). */
const askedFor = () =>
  llmRanges().reduce((sum, range) => {
    const match = /^bytes=(\d+)-(\d+)$/.exec(range);
    return sum + (match ? Number(match[2]) - Number(match[1]) + 1 : sizes['llm.onnx']);
  }, 0);

const installedIds = (models: string) => listInstalledModels(join(models, 'none'), models).map((m) => m.id);
const llmRanges = () => hub.fetches.filter((f) => f.path === 'llm.onnx').map((f) => f.range ?? '(whole file)');

async function assertInstalled(result: CliResult, models: string, id: string): Promise<void> {
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, new RegExp(`Installed ${id} .*SHA-256 verified`));
  assert.deepEqual(installedIds(models), [id]);
  assert.deepEqual((await checkModel(join(models, id))).problems, []);
}

async function pullWith(args: string[], ...faults: Fault[]) {
  const s = setup();
  hub.resetCounts();
  hub.fault('llm.onnx', ...faults);
  return { ...s, result: await runModelsCli(s.home, hub.url, ['pull', s.repo, ...args]).done };
}

describe('pulls over several connections', () => {
  it('splits the large file into byte ranges fetched side by side, each byte once', async () => {
    const s = await pullWith([]);
    await assertInstalled(s.result, s.models, s.id);
    assert.equal(hub.bytesServed('llm.onnx'), sizes['llm.onnx']);
    const ranges = llmRanges();
    assert.equal(ranges.length, 8, ranges.join(' '));
    assert.ok(
      ranges.every((r) => /^bytes=\d+-\d+$/.test(r)),
      ranges.join(' '),
    );
    assert.deepEqual(
      hub.fetches.filter((f) => f.path === 'audio.onnx').map((f) => f.range),
      [undefined],
      'a small file is one stream',
    );
  });

  it('--connections 1 fetches it as one stream', async () => {
    const s = await pullWith(['--connections', '1']);
    await assertInstalled(s.result, s.models, s.id);
    assert.deepEqual(llmRanges(), ['(whole file)']);
  });

  it('drop on one range: that connection asks for the rest of its range, nothing is fetched twice', async () => {
    const s = await pullWith([], { kind: 'drop', after: 100_000 });
    await assertInstalled(s.result, s.models, s.id);
    assert.equal(hub.bytesServed('llm.onnx'), sizes['llm.onnx']);
    assert.ok(llmRanges().includes('bytes=100000-374999'), llmRanges().join(' '));
  });

  it('416 for a range: the file is finished over one stream', async () => {
    const s = await pullWith([], { kind: 'status', status: 416 });
    await assertInstalled(s.result, s.models, s.id);
  });

  it('416 on every request: fails with one line naming the file', async () => {
    const s = await pullWith([], ...Array.from({ length: 6 }, () => ({ kind: 'status' as const, status: 416 })));
    assert.equal(s.result.code, 1, s.result.stderr);
    assert.equal(s.result.stderr.trim().split('\n').length, 1, s.result.stderr);
    assert.match(s.result.stderr, /^diffa models: Could not download llm\.onnx for ranged-model-\d+: the server keeps refusing to resume \(HTTP 416\)$/m);
    assert.deepEqual(installedIds(s.models), []);
  });

  it('wrong hash once: the file is fetched again (in ranges) and installed', async () => {
    const s = await pullWith([], { kind: 'corrupt' });
    await assertInstalled(s.result, s.models, s.id);
    assert.equal(hub.bytesServed('llm.onnx'), 2 * sizes['llm.onnx']);
  });

  it('wrong hash every time: fails naming the model and the file', async () => {
    const s = setup();
    hub.replaceContent(s.repo, 'llm.onnx', Buffer.alloc(sizes['llm.onnx'], 7));
    const result = await runModelsCli(s.home, hub.url, ['pull', s.repo]).done;
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      /^diffa models: Could not download llm\.onnx for ranged-model-\d+: SHA-256 [0-9a-f]{64} does not match the expected [0-9a-f]{64}$/m,
    );
    assert.deepEqual(installedIds(s.models), []);
  });

  it('kill -9 mid-download, then the same command: only the ranges not on disk are fetched', async (t) => {
    const s = setup();
    hub.resetCounts();
    hub.rate = 1_000_000;
    const first = runModelsCli(s.home, hub.url, ['pull', s.repo]);
    const deadline = Date.now() + 60_000;
    while (hub.bytesServed('llm.onnx') < 1_500_000) {
      assert.ok(Date.now() < deadline, `no progress: ${(await Promise.race([first.done, Promise.resolve(null)]))?.stderr ?? ''}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    first.child.kill('SIGKILL');
    assert.equal((await first.done).signal, 'SIGKILL');
    await connectionsClosed();
    hub.rate = 0;
    const servedFirst = hub.bytesServed('llm.onnx');
    const part = partPath(join(stagingBundle(s.models, s.id), 'llm.onnx'));
    const kept = RangeMap.bytesOnDisk(part) ?? 0;
    assert.ok(kept > 0, 'the sidecar lists bytes on disk');
    assert.ok(RangeMap.load(part, sizes['llm.onnx'], '').bytesDone === 0, 'a sidecar for other bytes is not trusted');

    hub.resetCounts();
    await assertInstalled(await runModelsCli(s.home, hub.url, ['pull', s.repo]).done, s.models, s.id);
    assert.equal(askedFor(), sizes['llm.onnx'] - kept, 'the resume asks for exactly the bytes the sidecar did not list');
    // A kill -9 costs what arrived since the sidecar was last saved (every 100 ms) or was still waiting for the disk
    // (at most 100 ms): at 1 MB/s per connection, about 200 kB per connection; the bound allows for a loaded machine.
    const lost = servedFirst - kept;
    t.diagnostic(`llm.onnx: ${lost} bytes sent before the kill and fetched again`);
    assert.ok(lost >= 0 && lost <= 1_500_000, `${lost} bytes fetched twice`);
  });

  it('SIGTERM pauses with every received byte written and listed; the resume refetches at most what was in the sockets', async (t) => {
    const s = setup();
    hub.resetCounts();
    hub.rate = 1_000_000;
    const first = runModelsCli(s.home, hub.url, ['pull', s.repo]);
    const deadline = Date.now() + 60_000;
    while (hub.bytesServed('llm.onnx') < 1_500_000) {
      assert.ok(Date.now() < deadline, `no progress: ${(await Promise.race([first.done, Promise.resolve(null)]))?.stderr ?? ''}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    first.child.kill('SIGTERM');
    const stopped = await first.done;
    assert.equal(stopped.code, 143, stopped.stderr);
    await connectionsClosed();
    hub.rate = 0;
    const servedFirst = hub.bytesServed('llm.onnx');
    const kept = RangeMap.bytesOnDisk(partPath(join(stagingBundle(s.models, s.id), 'llm.onnx'))) ?? 0;
    hub.resetCounts();
    await assertInstalled(await runModelsCli(s.home, hub.url, ['pull', s.repo]).done, s.models, s.id);
    assert.equal(askedFor(), sizes['llm.onnx'] - kept, 'the resume asks for exactly the bytes the sidecar did not list');
    const refetched = servedFirst - kept;
    t.diagnostic(`llm.onnx: ${refetched} bytes sent before the signal and fetched again`);
    // Only bytes the hub counted but the client never read: what was in flight at the signal, and the paced slices
    // (50 kB every 50 ms) the hub goes on writing until it notices a connection closed — on a busy machine a few
    // per connection; the same 2 MiB allowance as one stream's test (cli-resume.test.ts). That everything received
    // is written and listed is checked exactly in ranged-download.test.ts (stopped midway).
    assert.ok(refetched >= 0 && refetched <= 2 * 1024 * 1024, `${refetched} bytes fetched twice`);
  });
});
