import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ApiError } from '../../src-common/api/errors';
import { tempDir } from '../test-support/temp-dir';
import { type HubSource, type PullPlan, planFromHub } from './hub';
import { listInstalledModels } from './installed-models';
import { createDispatcher } from './network';
import { type OpenPart, openPartFile } from './part-file';
import type { PullProgress } from './progress';
import { type PullOptions, pullModel } from './pull';
import { partPath, sizeOf as stagedSize, stagingBundle, writeStagingState } from './staging';
import { TestHub } from './testing/hub-server';
import { makeBundle, repoFiles, writeBundle } from './testing/make-bundle';

const hub = new TestHub();
const dispatcher = createDispatcher({}, {});
const bundle = makeBundle('test-model');
let models = '';
let source: HubSource;

before(async () => {
  await hub.start();
  hub.addRepo('org/test-model', repoFiles(bundle));
  source = { endpoint: hub.url, repo: 'org/test-model', revision: 'main' };
});
after(async () => {
  await hub.close();
  await dispatcher.close();
});
beforeEach(() => {
  models = tempDir();
  hub.resetCounts();
  hub.rate = 0;
  hub.repos.get('org/test-model')?.files.forEach((f) => {
    f.data = repoFiles(bundle).find((r) => r.path === f.path)?.data;
  });
});

const options = (extra: Partial<PullOptions> = {}): PullOptions => ({
  modelsDir: models,
  dispatcher,
  signal: new AbortController().signal,
  stallMs: 300,
  backoffMs: 5,
  maxRetries: 3,
  ...extra,
});
const plan = () => planFromHub({ dispatcher }, source);
const sizeOf = (path: string) => bundle.files.find((f) => f.path === path)?.data.length ?? 0;
const installed = () => listInstalledModels(join(models, 'none'), models).map((m) => m.id);

async function rejects(promise: Promise<unknown>, code: string, message: RegExp) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ApiError, String(error));
    assert.equal(error.code, code, error.message);
    assert.match(error.message, message);
    return true;
  });
  assert.deepEqual(installed(), [], 'a failed pull must never be listed as installed');
}

describe('pull from a hub', () => {
  it('plans from the revision + tree API and the bundle manifest, pinned to the commit', async () => {
    const p = await plan();
    assert.equal(p.id, 'test-model');
    assert.equal(p.commit, hub.repos.get('org/test-model')?.commit);
    assert.deepEqual(
      p.files.map((f) => f.path),
      ['manifest.json', 'audio.onnx', 'llm.onnx', 'tokenizer.json'],
    );
  });

  it('downloads, verifies and installs atomically; each file is fetched once', async () => {
    const seen: string[] = [];
    const dir = await pullModel(await plan(), options({ onProgress: (p) => seen.push(p.state), progressIntervalMs: 5 }));
    assert.equal(dir, join(models, 'test-model'));
    assert.deepEqual(installed(), ['test-model']);
    assert.ok(!existsSync(join(models, '.staging', 'test-model')), 'staging is removed after install');
    for (const f of bundle.files) assert.equal(hub.bytesServed(f.path), f.data.length, f.path);
    assert.equal(hub.bytesServed('manifest.json'), Buffer.byteLength(bundle.manifestText), 'the manifest fetched for the plan is not downloaded again');
    assert.equal(seen.at(-1), 'installed');
    assert.ok(hub.requests.every((r) => r.path.length > 0 && !r.auth));
  });

  it('resumes a connection dropped mid-file from the byte where it stopped', async () => {
    hub.fault('llm.onnx', { kind: 'drop', after: 50_000 });
    await pullModel(await plan(), options());
    assert.deepEqual(installed(), ['test-model']);
    assert.equal(hub.bytesServed('llm.onnx'), sizeOf('llm.onnx'), 'no byte fetched twice');
    const ranges = hub.requests.filter((r) => r.path === 'llm.onnx').map((r) => r.range);
    assert.deepEqual(ranges, [undefined, 'bytes=50000-']);
  });

  it('retries a stalled connection after the idle timeout', async () => {
    hub.fault('audio.onnx', { kind: 'stall', after: 10_000 });
    await pullModel(await plan(), options());
    assert.deepEqual(installed(), ['test-model']);
    assert.equal(hub.bytesServed('audio.onnx'), sizeOf('audio.onnx'));
  });

  it('retries a 500 and succeeds', async () => {
    hub.fault('tokenizer.json', { kind: 'status', status: 500 }, { kind: 'status', status: 503 });
    await pullModel(await plan(), options());
    assert.deepEqual(installed(), ['test-model']);
    assert.equal(hub.requests.filter((r) => r.path === 'tokenizer.json').length, 3);
  });

  it('gives up on a 404 with a clear error', async () => {
    hub.fault('llm.onnx', { kind: 'status', status: 404 });
    await rejects(pullModel(await plan(), options()), 'not_found', /Could not download llm\.onnx for [\w-]+: not found on the server \(HTTP 404\)/);
  });

  it('gives up after a bounded number of 500s', async () => {
    hub.fault('llm.onnx', ...Array.from({ length: 5 }, () => ({ kind: 'status' as const, status: 500 })));
    await rejects(pullModel(await plan(), options({ maxRetries: 2 })), 'io_error', /gave up after 2 retries \(HTTP 500\)/);
  });

  it('starts a file over when the server answers 416 or ignores Range', async () => {
    const p = await plan();
    seedPartial(p, 'llm.onnx', 30_000);
    seedPartial(p, 'audio.onnx', 10_000);
    hub.fault('llm.onnx', { kind: 'status', status: 416 });
    hub.fault('audio.onnx', { kind: 'ignore-range' });
    await pullModel(p, options());
    assert.deepEqual(installed(), ['test-model']);
    assert.equal(hub.bytesServed('llm.onnx'), sizeOf('llm.onnx'));
    assert.equal(hub.bytesServed('audio.onnx'), sizeOf('audio.onnx'));
  });

  it('gives up when the server keeps answering 416', async () => {
    const p = await plan();
    seedPartial(p, 'llm.onnx', 30_000);
    hub.fault('llm.onnx', ...Array.from({ length: 4 }, () => ({ kind: 'status' as const, status: 416 })));
    await rejects(pullModel(p, options()), 'io_error', /Could not download llm\.onnx for [\w-]+: the server keeps refusing to resume \(HTTP 416\)/);
  });

  it('downloads an empty file', async () => {
    const empty = makeBundle('empty-file', { 'audio.onnx': 10, 'llm.onnx': 10, 'tokenizer.json': 0 });
    hub.addRepo('org/empty-file', repoFiles(empty));
    await pullModel(await planFromHub({ dispatcher }, { endpoint: hub.url, repo: 'org/empty-file', revision: 'main' }), options());
    assert.deepEqual(installed(), ['empty-file']);
  });

  it('refuses a file whose size differs from the manifest', async () => {
    hub.replaceContent('org/test-model', 'audio.onnx', Buffer.alloc(sizeOf('audio.onnx') + 10));
    await rejects(
      pullModel(await plan(), options()),
      'bad_model',
      /Could not download audio\.onnx for [\w-]+: the server has 40010 bytes, the model's file list says 40000/,
    );
  });

  it('re-fetches only the file whose hash is wrong', async () => {
    hub.fault('llm.onnx', { kind: 'corrupt' });
    await pullModel(await plan(), options());
    assert.deepEqual(installed(), ['test-model']);
    assert.equal(hub.bytesServed('llm.onnx'), 2 * sizeOf('llm.onnx'));
    assert.equal(hub.bytesServed('audio.onnx'), sizeOf('audio.onnx'));
    assert.equal(hub.bytesServed('tokenizer.json'), sizeOf('tokenizer.json'));
  });

  it('fails when a file keeps having the wrong hash, leaving nothing installed', async () => {
    hub.replaceContent('org/test-model', 'tokenizer.json', Buffer.alloc(sizeOf('tokenizer.json'), 7));
    await rejects(
      pullModel(await plan(), options()),
      'bad_model',
      /^Could not download tokenizer\.json for test-model: SHA-256 [0-9a-f]{64} does not match the expected [0-9a-f]{64}$/,
    );
    assert.equal(hub.bytesServed('tokenizer.json'), 2 * sizeOf('tokenizer.json'));
  });

  it('reports a full disk, keeps what was written, and resumes after space is freed', async () => {
    const fullAfter = 60_000;
    const openPart: OpenPart = async (path, keep) => {
      const real = await openPartFile(path, keep);
      return {
        // Like a real disk: what fits is written, then the write fails.
        async writev(chunks, position) {
          const data = Buffer.concat(chunks);
          const room = Math.max(0, fullAfter - position);
          if (room >= data.length) return real.writev([data], position);
          await real.writev([data.subarray(0, room)], position);
          throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        },
        close: () => real.close(),
      };
    };
    await rejects(pullModel(await plan(), options({ openPart, parallel: 1 })), 'io_error', /the disk is full; free some space and pull again/);
    const p = await plan();
    const kept = partSize(p, 'llm.onnx');
    assert.ok(kept > 0, 'the bytes written before the disk filled up are kept');
    hub.resetCounts();
    await pullModel(p, options());
    assert.deepEqual(installed(), ['test-model']);
    assert.equal(hub.bytesServed('llm.onnx'), sizeOf('llm.onnx') - kept);
  });

  it('refuses to start when the disk has too little space (statfs)', async () => {
    await rejects(pullModel(await plan(), options({ freeSpace: async () => 1000 })), 'io_error', /Not enough disk space in .*: 1\d\d\.\d KB needed/);
    assert.equal(hub.requests.length, 1, 'only the manifest was fetched, while planning');
  });

  it('pauses (abort) and resumes with only the missing bytes', async () => {
    hub.rate = 400_000;
    const stop = new AbortController();
    const p = await plan();
    const first = pullModel(p, options({ signal: stop.signal }));
    await waitFor(() => hub.bytesServed('llm.onnx') > 30_000);
    stop.abort();
    await rejects(first, 'cancelled', /stopped/);
    const onDisk = partSize(p, 'llm.onnx');
    assert.ok(onDisk > 0 && onDisk < sizeOf('llm.onnx'));
    hub.resetCounts();
    hub.rate = 150_000;
    const events: PullProgress[] = [];
    await pullModel(p, options({ parallel: 1, progressIntervalMs: 20, onProgress: (e) => events.push(e) }));
    assert.deepEqual(installed(), ['test-model']);
    assert.equal(hub.bytesServed('llm.onnx'), sizeOf('llm.onnx') - onDisk);

    // Each file in flight reports its own bytes (counting those already on disk), speed and time left.
    const llm = events.flatMap((e) => e.active.filter((f) => f.path === 'llm.onnx'));
    assert.ok(llm.length > 2, 'llm.onnx was reported while it transferred');
    assert.ok(llm.every((f) => f.bytesTotal === sizeOf('llm.onnx') && f.bytesDone <= f.bytesTotal));
    assert.ok((llm[0]?.bytesDone ?? 0) >= onDisk, 'a resumed file starts where it stopped, not at 0');
    assert.ok(llm.some((f) => f.speedBps > 0 && f.etaSeconds !== null && f.etaSeconds > 0));
    for (const e of events) assert.ok(e.active.reduce((sum, f) => sum + f.bytesDone, 0) <= e.bytesDone);
  });

  it('sends HF_TOKEN to a gated repo and explains a refusal without it', async () => {
    const gated = makeBundle('gated-model');
    hub.addRepo('org/gated', repoFiles(gated), { token: 'hf_secret' });
    const gatedSource = { endpoint: hub.url, repo: 'org/gated', revision: 'main' };
    await assert.rejects(planFromHub({ dispatcher }, gatedSource), /refused access \(HTTP 401\); for a gated or private repo set HF_TOKEN/);
    const p = await planFromHub({ dispatcher, token: 'hf_secret' }, gatedSource);
    await pullModel(p, options({ token: 'hf_secret' }));
    assert.deepEqual(installed(), ['gated-model']);
  });

  it('never lists what is in .staging or .trash, even a complete bundle', () => {
    writeBundle(bundle, join(models, '.staging', 'test-model'));
    writeBundle(bundle, join(models, '.staging', 'test-model', 'bundle'));
    writeBundle(bundle, join(models, '.trash', 'test-model-1'));
    assert.deepEqual(installed(), []);
  });

  it('refuses a repo whose listing disagrees with its manifest', async () => {
    const other = makeBundle('liar');
    const files = repoFiles(other);
    (files[2] as { data: Buffer }).data = Buffer.alloc(5);
    hub.addRepo('org/liar', files);
    await assert.rejects(planFromHub({ dispatcher }, { endpoint: hub.url, repo: 'org/liar', revision: 'main' }), /has 5 bytes on the hub, the manifest says/);
  });
});

function seedPartial(p: PullPlan, path: string, bytes: number) {
  const dir = stagingBundle(models, p.id);
  mkdirSync(dir, { recursive: true });
  writeStagingState(models, {
    version: 1,
    id: p.id,
    name: p.name,
    source: { endpoint: p.endpoint, repo: p.repo, revision: p.revision, commit: p.commit },
    files: p.files,
    createdAt: new Date().toISOString(),
  });
  const data = bundle.files.find((f) => f.path === path)?.data ?? Buffer.alloc(0);
  writeFileSync(partPath(join(dir, path)), data.subarray(0, bytes));
}

const partSize = (p: PullPlan, path: string) => stagedSize(partPath(join(stagingBundle(models, p.id), path))) ?? 0;

async function waitFor(condition: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
