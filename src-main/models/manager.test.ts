import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openAppHome } from '../core/app-home';
import { tempDir } from '../test-support/temp-dir';
import { createModelManager } from './create-manager';
import type { ModelManager } from './manager';
import { readModelSettings } from './model-settings';
import { moveModelsFolder } from './move';
import { createDispatcher } from './network';
import type { PullProgress } from './progress';
import { TestHub } from './testing/hub-server';
import { makeBundle, repoFiles } from './testing/make-bundle';

const hub = new TestHub();
const dispatcher = createDispatcher({}, {});
const bundle = makeBundle('mgr-model');

before(async () => {
  await hub.start();
  hub.addRepo('org/mgr-model', repoFiles(bundle));
});
after(async () => {
  await hub.close();
  await dispatcher.close();
});

function manager(catalog?: object): ModelManager {
  const root = tempDir();
  const bundledDir = join(root, 'app-models');
  openAppHome(root);
  if (catalog) mkdirSync(bundledDir, { recursive: true });
  const m = createModelManager(openAppHome(root), {
    bundledDir,
    env: { HF_ENDPOINT: hub.url, HF_TOKEN_PATH: join(root, 'no-token') },
    dispatcher,
    stallMs: 300,
    backoffMs: 5,
  });
  if (catalog) writeFileSync(join(bundledDir, 'catalog.json'), JSON.stringify(catalog));
  return m;
}

describe('model manager', () => {
  it('pulls a repo by id with HF_ENDPOINT, records it in the user catalog, lists it installed', async () => {
    const m = manager();
    const events: PullProgress[] = [];
    m.onProgress((p) => events.push(p));
    const { plan, done } = await m.pull('org/mgr-model');
    assert.equal(plan.endpoint, hub.url);
    await done;
    const rows = await m.listing();
    assert.deepEqual(
      rows.map((r) => [r.id, r.status, r.origin]),
      [['mgr-model', 'installed', 'user']],
    );
    assert.equal(events.at(-1)?.state, 'installed');
    assert.equal(events.at(-1)?.bytesDone, events.at(-1)?.bytesTotal);
  });

  it('adds a hub repo to the user catalog without downloading it', async () => {
    const m = manager();
    hub.resetCounts();
    const plan = await m.add('org/mgr-model');
    assert.equal(plan.id, 'mgr-model');
    const row = (await m.listing()).find((r) => r.id === 'mgr-model');
    assert.deepEqual([row?.status, row?.origin, row?.source], ['available', 'user', 'org/mgr-model@main']);
    assert.deepEqual(
      hub.requests.map((r) => r.path),
      ['manifest.json'],
      'only the manifest was read',
    );
  });

  it('pulls from a hub URL, which brings its own endpoint', async () => {
    const m = manager();
    const { plan, done } = await m.pull(`${hub.url}/org/mgr-model/tree/main`);
    assert.equal(plan.repo, 'org/mgr-model');
    await done;
    assert.equal(m.installed()[0]?.id, 'mgr-model');
  });

  it('pulls a catalog entry pinned with files, with no API call', async () => {
    const commit = hub.repos.get('org/mgr-model')?.commit as string;
    const files = repoFiles(bundle).map((f) => ({ path: f.path, size: f.data.length, sha256: createHash('sha256').update(f.data).digest('hex') }));
    const m = manager({
      format: 'diffa-catalog',
      version: 1,
      models: [{ id: 'mgr-model', name: 'Pinned', source: { repo: 'org/mgr-model', revision: commit }, files }],
    });
    hub.resetCounts();
    const { done } = await m.pull('mgr-model');
    await done;
    assert.equal(m.installed()[0]?.id, 'mgr-model');
    assert.ok(hub.requests.every((r) => !r.path.startsWith('/api')));
  });

  it('pauses, lists the partial download, resumes and cancels', async () => {
    const m = manager();
    hub.rate = 300_000;
    try {
      const states: string[] = [];
      m.onProgress((p) => states.push(p.state));
      const first = await m.pull('org/mgr-model');
      await waitFor(() => hub.bytesServed('llm.onnx') > 20_000);
      m.pause('mgr-model');
      await assert.rejects(first.done, /stopped/);
      assert.equal(states.at(-1), 'paused');
      const partial = (await m.listing()).find((r) => r.id === 'mgr-model');
      assert.equal(partial?.status, 'partial');
      assert.ok((partial?.bytesOnDisk ?? 0) > 0);
      assert.deepEqual(m.installed(), [], 'a partial model is never listed as installed');

      const second = await m.resume('mgr-model');
      await waitFor(() => (m.status('mgr-model')?.bytesDone ?? 0) > 0);
      await m.cancel('mgr-model');
      await assert.rejects(second.done);
      assert.equal(states.at(-1), 'cancelled');
      assert.ok(!existsSync(join(m.modelsDir, '.staging', 'mgr-model')), 'cancel deletes the partial files');
    } finally {
      hub.rate = 0;
    }
  });

  it('verifies, and repairs by re-downloading only the bad files', async () => {
    const m = manager();
    await (await m.pull('org/mgr-model')).done;
    const dir = join(m.modelsDir, 'mgr-model');
    writeFileSync(join(dir, 'llm.onnx'), Buffer.alloc(120_000, 1));
    rmSync(join(dir, 'tokenizer.json'));
    const report = await m.verify('mgr-model');
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.problems.map((p) => [p.path, p.problem]),
      [
        ['llm.onnx', 'wrong-hash'],
        ['tokenizer.json', 'missing'],
      ],
    );
    hub.resetCounts();
    const repaired = await m.verify('mgr-model', true);
    assert.deepEqual(repaired.repaired, ['llm.onnx', 'tokenizer.json']);
    assert.equal(hub.bytesServed('audio.onnx'), 0, 'good files are not downloaded again');
    assert.equal((await m.verify('mgr-model')).ok, true);
  });

  it('deletes a model and refuses unknown ids clearly', async () => {
    const m = manager();
    await (await m.pull('org/mgr-model')).done;
    m.remove('mgr-model');
    assert.deepEqual(m.installed(), []);
    assert.throws(() => m.remove('mgr-model'), /No model "mgr-model" is installed/);
  });

  it('moves the models folder and remembers it', async () => {
    const m = manager();
    await (await m.pull('org/mgr-model')).done;
    const root = join(m.modelsDir, '..');
    const target = join(tempDir(), 'elsewhere');
    const { dir } = m.move(target);
    assert.equal(dir, target);
    assert.equal(m.installed()[0]?.dir, join(target, 'mgr-model'));
    assert.equal(readModelSettings(openAppHome(root)).modelsDir, target);
    // A fresh manager over the same home (the next app start) finds the models in their new place.
    assert.equal(createModelManager(openAppHome(root), { bundledDir: join(root, 'none') }).installed()[0]?.dir, join(target, 'mgr-model'));
  });

  it('moves across devices by copying, then deleting', () => {
    const from = tempDir();
    writeFileSync(join(from, 'catalog.user.json'), '{}');
    const to = join(tempDir(), 'x');
    const exdev: typeof renameSync = (a, b) => {
      if (!String(b).endsWith('.moving')) throw Object.assign(new Error('EXDEV'), { code: 'EXDEV' });
      renameSync(a, b);
    };
    assert.deepEqual(moveModelsFolder(from, to, exdev).moved, ['catalog.user.json']);
    assert.ok(existsSync(join(to, 'catalog.user.json')) && !existsSync(join(from, 'catalog.user.json')));
  });

  it('says what is wrong with a source it cannot use', async () => {
    const m = manager();
    await assert.rejects(m.pull('not a repo'), /"not a repo" is not a catalog id, a hub repo \(org\/name\) or a hub URL/);
    await assert.rejects(m.pull('org/absent'), /org\/absent@main: not found on/);
  });
});

async function waitFor(condition: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
