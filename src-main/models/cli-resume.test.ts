import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../test-support/temp-dir';
import { listInstalledModels } from './installed-models';
import { partPath, sizeOf, stagingBundle } from './staging';
import { TestHub } from './testing/hub-server';
import { makeBundle, repoFiles } from './testing/make-bundle';
import { runModelsCli } from './testing/run-cli';
import { checkModel } from './verify';

/**
 * The whole CLI as a user runs it, killed with SIGKILL in the middle of a download (no chance to clean up) and run
 * again: the second run must fetch only the bytes that never reached the disk, and install a verified model.
 */
const hub = new TestHub();
const bundle = makeBundle('kill-model', { 'audio.onnx': 300_000, 'llm.onnx': 1_500_000, 'tokenizer.json': 5_000 });
const home = tempDir();
const models = join(home, 'models');
const diffa = (args: string[]) => runModelsCli(home, hub.url, args);

before(async () => {
  await hub.start();
  hub.addRepo('org/kill-model', repoFiles(bundle));
});
after(() => hub.close());

describe('models pull, killed and restarted', () => {
  it('resumes after SIGKILL, fetching only the missing bytes, and installs a verified model', async () => {
    hub.rate = 1_000_000;
    const first = diffa(['pull', 'org/kill-model']);
    const deadline = Date.now() + 30_000;
    while (hub.bytesServed('llm.onnx') < 400_000) {
      assert.ok(Date.now() < deadline, `no progress: ${(await Promise.race([first.done, Promise.resolve(null)]))?.stderr ?? ''}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    first.child.kill('SIGKILL');
    assert.equal((await first.done).signal, 'SIGKILL');
    hub.rate = 0;
    assert.deepEqual(listInstalledModels(join(home, 'none'), models), [], 'a killed download is not installed');

    // What survived on disk decides what the second run may fetch.
    const staged = stagingBundle(models, 'kill-model');
    const expected = new Map(
      bundle.files.map((f) => {
        const done = sizeOf(join(staged, f.path)) === f.data.length;
        return [f.path, done ? 0 : f.data.length - (sizeOf(partPath(join(staged, f.path))) ?? 0)];
      }),
    );
    const llmKept = bundle.files[1] ? bundle.files[1].data.length - (expected.get('llm.onnx') ?? 0) : 0;
    assert.ok(llmKept > 0, 'some of llm.onnx reached the disk before the kill');

    hub.resetCounts();
    const second = await diffa(['pull', 'org/kill-model']).done;
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /Installed kill-model .*SHA-256 verified/);
    for (const [path, bytes] of expected) assert.equal(hub.bytesServed(path), bytes, `${path}: only the missing bytes`);
    assert.equal(hub.requests.find((r) => r.path === 'llm.onnx')?.range, `bytes=${llmKept}-`);

    const installed = listInstalledModels(join(home, 'none'), models);
    assert.deepEqual(
      installed.map((m) => m.id),
      ['kill-model'],
    );
    assert.deepEqual((await checkModel(join(models, 'kill-model'))).problems, []);
    assert.ok(!existsSync(join(models, '.staging', 'kill-model')));
  });

  it('pauses on SIGTERM with everything received written out, and resumes refetching less than one block per file', async (t) => {
    // Big and fast enough that bytes are always waiting for the disk: what is waiting at the signal must reach it.
    const big = makeBundle('term-model', { 'audio.onnx': 6_000_000, 'llm.onnx': 16_000_000, 'tokenizer.json': 5_000 });
    hub.addRepo('org/term-model', repoFiles(big));
    hub.resetCounts();
    hub.rate = 8_000_000;
    const first = diffa(['pull', 'org/term-model']);
    const deadline = Date.now() + 30_000;
    while (hub.bytesServed('llm.onnx') < 5_000_000) {
      assert.ok(Date.now() < deadline, `no progress: ${(await Promise.race([first.done, Promise.resolve(null)]))?.stderr ?? ''}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    first.child.kill('SIGTERM');
    const stopped = await first.done;
    assert.equal(stopped.code, 143, `exits with 128 + SIGTERM, not killed by it: ${stopped.signal} ${stopped.stderr}`);
    assert.match(stopped.stderr, /Paused by SIGTERM; everything received is on disk/);
    const servedFirst = new Map(big.files.map((f) => [f.path, hub.bytesServed(f.path)]));

    hub.rate = 0;
    hub.resetCounts();
    const second = await diffa(['pull', 'org/term-model']).done;
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual((await checkModel(join(models, 'term-model'))).problems, []);
    // The bound allows for what the hub had written into the socket but the client had not yet read.
    const bound = 2 * 1024 * 1024;
    for (const f of big.files) {
      const refetched = (servedFirst.get(f.path) ?? 0) + hub.bytesServed(f.path) - f.data.length;
      t.diagnostic(`${f.path}: ${refetched} bytes refetched`);
      assert.ok(refetched >= 0 && refetched <= bound, `${f.path}: ${refetched} bytes fetched twice (at most ${bound})`);
    }
  });

  it('fails with one clear line and a non-zero exit', async () => {
    const missing = await diffa(['pull', 'org/absent']).done;
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
    assert.match(missing.stderr, /^diffa models: org\/absent@main: not found on http:\/\/127\.0\.0\.1:\d+ \(HTTP 404\)/);
  });
});
