import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AskRequestSchema } from '../../src-common/api/inference';
import { openAppHome } from '../core/app-home';
import { answerQuestion } from '../engine/answer';
import { LoadedModel } from '../engine/loaded-model';
import { pythonMissing as missing, py, python } from '../test-support/python';
import { tempDir } from '../test-support/temp-dir';
import { writeSineWav } from '../test-support/wav';
import { buildBundle } from './build/build-bundle';
import { readSafetensorsHeader } from './build/safetensors';
import { ModelManager } from './manager';
import type { PullProgress } from './progress';
import { readStagingState, stagingDir } from './staging';
import { TestHub } from './testing/hub-server';

/**
 * A catalog model built on the user's machine, end to end against the test hub: the released checkpoints' layout at
 * tiny size (tools/make_diffa2_fixture.py) served under the real repo names, the manager fetching only what the
 * bundle needs (Whisper's encoder by byte range), building in a worker thread and installing a model that answers;
 * then a build killed mid-way, a file missing on the hub, a hub that is not configured, a missing template, an
 * architecture the builder lacks, too little disk, and a Whisper file that is not the one the catalog expects.
 */

const LLADA = 'GSAI-ML/LLaDA-8B-Instruct';
const WHISPER = 'openai/whisper-large-v3';
const DIFFA2 = 'zhoujiaming777/DIFFA-2';
const WHISPER_SMALL = 'openai/whisper-small';
const DIFFA = 'zhoujiaming777/DIFFA';

const recipe = (over: Record<string, unknown> = {}) => ({
  arch: 'diffa2',
  dtype: 'int4',
  llada: { repo: LLADA },
  whisper: { repo: WHISPER, file: 'model.safetensors', tensorPrefix: 'model.encoder.', dtype: 'F16' },
  checkpoint: { repo: DIFFA2, file: 'pytorch_model.bin' },
  downloadBytes: 600_000,
  ...over,
});
const entry = (id: string, build: Record<string, unknown>) => ({
  id,
  name: `DIFFA-2 test (${id})`,
  licence: 'LLaDA: MIT; Whisper: Apache-2.0; DIFFA-2: not stated',
  description: 'built from the tiny released-layout fixture',
  sizeBytes: 500_000,
  build,
});

describe('a catalog model built on this machine', { skip: python ? false : missing }, () => {
  const dir = tempDir('build-install-');
  const ckpt = join(dir, 'ckpt');
  const templates = join(dir, 'templates');
  const catalogPath = join(dir, 'catalog.json');
  const hub = new TestHub();
  const otherHub = new TestHub();
  const fileOf = (...p: string[]) => readFileSync(join(ckpt, ...p));
  let reference: string;

  before(async () => {
    py('tools/make_diffa2_fixture.py', '--out', ckpt);
    const sources = ['--llada', join(ckpt, 'llada'), '--whisper', join(ckpt, 'whisper'), '--diffa2', join(ckpt, 'diffa2', 'pytorch_model.bin')];
    py('tools/convert_diffa2.py', ...sources, '--dtype', 'fp16', '--int4', '--template', '--out', join(templates, 'diffa2-int4'));
    // DIFFA (v1): its own layout (Whisper fp32, no LoRA) and template
    py('tools/make_diffa2_fixture.py', '--arch', 'diffa', '--out', join(dir, 'ckpt-v1'));
    const v1 = [
      '--llada',
      join(dir, 'ckpt-v1', 'llada'),
      '--whisper',
      join(dir, 'ckpt-v1', 'whisper'),
      '--checkpoint',
      join(dir, 'ckpt-v1', 'diffa', 'pytorch_model.bin'),
    ];
    py('tools/convert_diffa2.py', '--arch', 'diffa', ...v1, '--dtype', 'fp16', '--int4', '--template', '--out', join(templates, 'diffa-int4'));
    // The same template and checkpoints built directly: what the installed model's weights must equal.
    reference = join(dir, 'reference');
    await buildBundle({
      templateDir: join(templates, 'diffa2-int4'),
      llada: join(ckpt, 'llada'),
      whisper: join(ckpt, 'whisper'),
      checkpoint: join(ckpt, 'diffa2', 'pytorch_model.bin'),
      out: reference,
    });
    await hub.start();
    await otherHub.start();
    const llada = readdirSync(join(ckpt, 'llada')).map((f) => ({ path: f, data: fileOf('llada', f) }));
    // Files a build does not need: they must never be fetched.
    hub.addRepo(LLADA, [...llada, { path: 'modeling_llada.py', data: Buffer.alloc(5000, 1), lfs: false }]);
    hub.addRepo(WHISPER, [
      { path: 'model.safetensors', data: fileOf('whisper', 'model.safetensors') },
      { path: 'config.json', data: fileOf('whisper', 'config.json') },
    ]);
    hub.addRepo(DIFFA2, [
      { path: 'pytorch_model.bin', data: fileOf('diffa2', 'pytorch_model.bin') },
      { path: 'stage1/pytorch_model.bin', data: Buffer.alloc(7000, 2) },
    ]);
    const v1File = (...p: string[]) => readFileSync(join(dir, 'ckpt-v1', ...p));
    hub.addRepo(
      'test/llada-v1',
      readdirSync(join(dir, 'ckpt-v1', 'llada')).map((f) => ({ path: f, data: v1File('llada', f) })),
    );
    hub.addRepo(WHISPER_SMALL, [
      { path: 'model.safetensors', data: v1File('whisper', 'model.safetensors') },
      { path: 'config.json', data: v1File('whisper', 'config.json') },
    ]);
    hub.addRepo(DIFFA, [{ path: 'pytorch_model.bin', data: v1File('diffa', 'pytorch_model.bin') }]);
    hub.addRepo(
      'test/llada-without-shard',
      llada.filter((f) => f.path !== 'model-00002-of-00002.safetensors'),
    );
    hub.addRepo('test/whisper-other', [{ path: 'model.safetensors', data: fileOf('whisper', 'model.safetensors') }]);
    otherHub.addRepo(LLADA, llada);
    writeFileSync(
      catalogPath,
      JSON.stringify({
        format: 'diffa-catalog',
        version: 1,
        models: [
          entry('diffa-2-int4', recipe()),
          entry('diffa-2-fp16', recipe({ dtype: 'fp16' })),
          entry(
            'diffa-int4',
            recipe({
              arch: 'diffa',
              // the tiny v1 fixture's LLaDA (its own random weights) stands in for the shared LLaDA repo
              llada: { repo: 'test/llada-v1' },
              whisper: { repo: WHISPER_SMALL, file: 'model.safetensors', tensorPrefix: 'model.encoder.', dtype: 'F32' },
              checkpoint: { repo: DIFFA, file: 'pytorch_model.bin' },
            }),
          ),
          entry('no-shard', recipe({ llada: { repo: 'test/llada-without-shard' } })),
          entry('elsewhere', recipe({ endpoint: otherHub.url })),
          entry(
            'whisper-pinned',
            recipe({ whisper: { repo: 'test/whisper-other', dtype: 'F16', tensorSha256: { 'model.encoder.conv1.weight': '0'.repeat(64) } } }),
          ),
          entry('whisper-f32', recipe({ whisper: { repo: 'test/whisper-other', dtype: 'F32' } })),
        ],
      }),
    );
  });
  after(async () => {
    await hub.close();
    await otherHub.close();
  });

  const manager = (home = tempDir('build-home-'), extra: Partial<ConstructorParameters<typeof ModelManager>[0]> = {}) =>
    new ModelManager({
      home: openAppHome(home),
      bundledDir: join(home, 'no-bundled'),
      catalogPath,
      templatesDir: templates,
      env: { HF_ENDPOINT: hub.url, HF_TOKEN_PATH: join(home, 'no-token') },
      backoffMs: 5,
      ...extra,
    });

  const encoderBytes = async () => {
    const tensors = await readSafetensorsHeader(join(ckpt, 'whisper', 'model.safetensors'));
    const encoder = [...tensors.values()].filter((t) => t.name.startsWith('model.encoder.'));
    const whole = fileOf('whisper', 'model.safetensors');
    return {
      bytes: encoder.reduce((n, t) => n + t.length, 0),
      sha: Object.fromEntries(
        encoder.map((t) => [
          t.name,
          createHash('sha256')
            .update(whole.subarray(t.offset, t.offset + t.length))
            .digest('hex'),
        ]),
      ),
      decoder: [...tensors.values()].filter((t) => !t.name.startsWith('model.encoder.')),
    };
  };

  it('downloads only what the bundle needs, builds it in a worker thread, installs a model that answers', async () => {
    hub.resetCounts();
    const m = manager();
    const events: PullProgress[] = [];
    m.onProgress((p) => events.push(p));
    const { plan, done } = await m.pull('diffa-2-int4');
    assert.match(plan.repo, /GSAI-ML\/LLaDA-8B-Instruct/);
    const dirInstalled = await done;

    // Only the needed files: no modeling code, no stage-1 checkpoint, no Whisper decoder.
    assert.equal(hub.bytesServed('modeling_llada.py'), 0);
    assert.equal(hub.bytesServed('stage1/pytorch_model.bin'), 0);
    const enc = await encoderBytes();
    assert.ok(enc.decoder.length > 0, 'the fixture has decoder tensors to leave behind');
    const whisperSize = fileOf('whisper', 'model.safetensors').length;
    const ranges = hub.requests
      .filter((r) => r.path === 'model.safetensors')
      .map((r) =>
        /^bytes=(\d+)-(\d+)$/
          .exec(r.range ?? '')
          ?.slice(1)
          .map(Number),
      );
    assert.ok(ranges.length > 0 && ranges.every((r) => r !== undefined), 'Whisper is fetched by byte ranges only');
    for (const [start, end] of ranges as [number, number][])
      for (const t of enc.decoder) assert.ok(end < t.offset || start >= t.offset + t.length, `the range ${start}-${end} reaches into ${t.name}`);

    // Steps and progress: download, then build, then installed.
    const states = [...new Set(events.map((e) => e.state))];
    assert.deepEqual(
      states.filter((s) => ['downloading', 'building', 'installing', 'installed'].includes(s)),
      ['downloading', 'building', 'installing', 'installed'],
    );
    const building = events.filter((e) => e.state === 'building');
    assert.ok(building.every((e) => e.steps?.[0]?.state === 'done' && e.steps?.[1]?.state === 'running'));
    assert.equal(
      events.at(-1)?.steps?.every((s) => s.state === 'done'),
      true,
    );

    // The installed bundle: the catalog's id, the reference build's weights, the provenance.
    const manifest = JSON.parse(readFileSync(join(dirInstalled, 'manifest.json'), 'utf8'));
    assert.equal(manifest.id, 'diffa-2-int4');
    assert.equal(manifest.licence, 'LLaDA: MIT; Whisper: Apache-2.0; DIFFA-2: not stated');
    for (const f of ['audio.onnx.data', 'llm.onnx.data', 'audio.onnx', 'llm.onnx', 'tokenizer.json'])
      assert.ok(readFileSync(join(dirInstalled, f)).equals(readFileSync(join(reference, f))), `${f} equals a direct build`);
    const record = JSON.parse(readFileSync(join(dirInstalled, '.diffa-build.json'), 'utf8'));
    assert.deepEqual(
      record.inputs.map((i: { repo: string; commit: string }) => [i.repo, i.commit]),
      [LLADA, WHISPER, DIFFA2].map((r) => [r, hub.repos.get(r)?.commit]),
    );
    assert.deepEqual(
      Object.fromEntries(Object.entries(record.whisperSubset.tensors as Record<string, { sha256: string }>).map(([k, v]) => [k, v.sha256])),
      enc.sha,
      'the SHA-256 of every fetched Whisper tensor is recorded, and they are the hub file bytes',
    );
    assert.equal(record.whisperSubset.remoteSize, whisperSize);
    assert.equal(record.resumedBuild, false);
    assert.ok(!existsSync(stagingDir(m.modelsDir, 'diffa-2-int4')), 'the checkpoints are deleted once installed');
    const row = (await m.listing()).find((r) => r.id === 'diffa-2-int4');
    assert.equal(row?.status, 'installed');

    const model = await LoadedModel.load(dirInstalled, { provider: 'cpu', verifyCache: join(dir, 'verified.json') });
    try {
      const audioPath = writeSineWav(join(dir, 'tone.wav'), 1.2, 440, 16000);
      const request = AskRequestSchema.parse({ modelDir: dirInstalled, audioPath, question: 'What is this sound?', provider: 'cpu' });
      const answer = await answerQuestion(model, request, () => {}, { aborted: false });
      assert.equal(answer.model.id, 'diffa-2-int4');
      assert.equal(answer.tokens.length, 16);
    } finally {
      await model.release();
    }
    await m.dispose();
  });

  it('DIFFA (v1) installs like any other model: only its encoder fetched, built with its template, answering', async () => {
    hub.resetCounts();
    const m = manager();
    const { done } = await m.pull('diffa-int4');
    const installed = await done;
    const manifest = JSON.parse(readFileSync(join(installed, 'manifest.json'), 'utf8'));
    assert.equal(manifest.id, 'diffa-int4');
    assert.equal(manifest.decoding.sampler, 'low-confidence');
    assert.equal(manifest.source_checkpoints[2].lora_pairs, 0);
    const ranges = hub.requests.filter((r) => r.path === 'model.safetensors');
    assert.ok(ranges.length > 0 && ranges.every((r) => r.range), "Whisper-small's file is fetched by byte ranges only");
    const model = await LoadedModel.load(installed, { provider: 'cpu', verifyCache: join(dir, 'verified.json') });
    try {
      const audioPath = writeSineWav(join(dir, 'tone-v1.wav'), 1.2, 440, 16000);
      const request = AskRequestSchema.parse({ modelDir: installed, audioPath, question: 'What is this sound?', provider: 'cpu' });
      const answer = await answerQuestion(model, request, () => {}, { aborted: false });
      assert.equal(answer.model.id, 'diffa-int4');
      assert.equal(answer.tokens.length, 16);
    } finally {
      await model.release();
    }
    await m.dispose();
  });

  it('a build killed mid-way resumes from the last finished tensor, fetching nothing again', async () => {
    const home = tempDir('build-kill-');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'testing', 'build-kill-child.ts'), home, catalogPath, templates, hub.url, 'diffa-2-int4', '12'],
      { env: { ...process.env, DIFFA_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    const signal = await new Promise((r) => child.on('exit', (_code, s) => r(s)));
    assert.equal(signal, 'SIGKILL', output);
    const m = manager(home);
    const state = readStagingState(m.modelsDir, 'diffa-2-int4');
    assert.ok(state?.build, 'the unfinished build is on disk');
    const buildState = JSON.parse(readFileSync(join(stagingDir(m.modelsDir, 'diffa-2-int4'), 'bundle.partial', 'build-state.json'), 'utf8'));
    const finished = Object.values(buildState.next as Record<string, number>).reduce((a, b) => a + b, 0);
    assert.ok(finished >= 10, `${finished} tensors recorded as finished`);
    assert.equal((await m.listing()).find((r) => r.id === 'diffa-2-int4')?.status, 'partial');

    hub.resetCounts();
    const dirInstalled = await (await m.resume('diffa-2-int4')).done;
    const lfsServed = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors', 'pytorch_model.bin'].map((f) =>
      hub.bytesServed(f),
    );
    assert.deepEqual(lfsServed, [0, 0, 0, 0], 'no checkpoint byte fetched twice');
    const record = JSON.parse(readFileSync(join(dirInstalled, '.diffa-build.json'), 'utf8'));
    assert.equal(record.resumedBuild, true);
    for (const f of ['audio.onnx.data', 'llm.onnx.data']) assert.ok(readFileSync(join(dirInstalled, f)).equals(readFileSync(join(reference, f))), f);
    await m.dispose();
  });

  it('a file missing on the hub: the error names the repo and the file, nothing is downloaded', async () => {
    hub.resetCounts();
    const m = manager();
    await assert.rejects(m.pull('no-shard'), /test\/llada-without-shard@[0-9a-f]{8}: model-00002-of-00002\.safetensors is not in the repo/);
    assert.equal(hub.bytesServed('model-00001-of-00002.safetensors'), 0);
    assert.ok(!existsSync(stagingDir(m.modelsDir, 'no-shard')));
  });

  it('a catalog entry naming a hub that is not configured is refused before anything is sent', async () => {
    otherHub.resetCounts();
    const m = manager();
    await assert.rejects(m.pull('elsewhere'), /is not a configured hub/);
    assert.equal(otherHub.requests.length, 0);
  });

  it('a missing build template or an architecture the builder lacks: said in the catalog, refused before any download', async () => {
    hub.resetCounts();
    const m = manager();
    const rows = await m.listing();
    assert.equal(rows.find((r) => r.id === 'diffa-2-int4')?.build?.unavailable, null);
    assert.match(rows.find((r) => r.id === 'diffa-2-fp16')?.build?.unavailable ?? '', /build template \(templates\/diffa2-fp16\) is not included/);
    assert.equal(rows.find((r) => r.id === 'diffa-int4')?.build?.unavailable, null, 'DIFFA (v1) has its template');
    await assert.rejects(
      m.pull('diffa-2-fp16'),
      /cannot be installed \(nothing was downloaded\): its build template \(templates\/diffa2-fp16\) is not included/,
    );
    assert.equal(hub.requests.length, 0, 'nothing asked of the hub');
  });

  it('too little disk: refused before the first byte with what is needed', async () => {
    hub.resetCounts();
    const m = manager(undefined, { freeSpace: async () => 100_000 });
    const { done } = await m.pull('diffa-2-int4');
    await assert.rejects(done, /Not enough disk space/);
    assert.equal(hub.bytesServed('model-00001-of-00002.safetensors'), 0);
    assert.equal(hub.bytesServed('pytorch_model.bin'), 0);
  });

  it('a disk too full for the build step (a real, small filesystem): a clear message, the checkpoints kept, resumed once space is freed', async (t) => {
    const mount = mkdtempSync(join(tmpdir(), 'diffa-build-full-'));
    try {
      // Room for the checkpoints (~0.6 MB), but less than the builder's own check asks before it writes: the bundle
      // (~1.1 MB) plus its margin of 64 MB plus the 64 MB every write to the models folder keeps spare.
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=100m', 'tmpfs', mount], { stdio: 'ignore' });
    } catch (error) {
      rmSync(mount, { recursive: true, force: true });
      t.skip(`cannot mount a small tmpfs here (needs root, as in CI): ${(error as Error).message.split('\n')[0]}`);
      return;
    }
    try {
      // The job's own check before the download is told there is room (as if another program filled the disk
      // while the checkpoints downloaded); the builder then measures the real filesystem.
      const m = manager(mount, { freeSpace: async () => 1e12 });
      hub.resetCounts();
      await assert.rejects((await m.pull('diffa-2-int4')).done, /Not enough disk space in .*: [\d.]+ MB needed \(plus [\d.]+ MB to spare\), [\d.]+ MB free/);
      assert.deepEqual(m.installed(), [], 'nothing installed');
      assert.ok(readStagingState(m.modelsDir, 'diffa-2-int4')?.build, 'the unfinished build is kept');
      execFileSync('mount', ['-o', 'remount,size=200m', mount], { stdio: 'ignore' });
      hub.resetCounts();
      const dirInstalled = await (await m.resume('diffa-2-int4')).done;
      assert.equal(hub.bytesServed('pytorch_model.bin') + hub.bytesServed('model-00002-of-00002.safetensors'), 0, 'no checkpoint fetched again');
      for (const f of ['audio.onnx.data', 'llm.onnx.data']) assert.ok(readFileSync(join(dirInstalled, f)).equals(readFileSync(join(reference, f))), f);
      await m.dispose();
    } finally {
      execFileSync('umount', ['-l', mount]);
      rmSync(mount, { recursive: true, force: true });
    }
  });

  it('Whisper: a tensor whose bytes or dtype differ from what the catalog pins is refused, naming the tensor', async () => {
    const m = manager();
    await assert.rejects(
      (await m.pull('whisper-pinned')).done,
      /model\.safetensors, tensor model\.encoder\.conv1\.weight: SHA-256 [0-9a-f]{64} does not match/,
    );
    await assert.rejects((await m.pull('whisper-f32')).done, /tensor model\.encoder\.[\w.]+: is F16, the catalog expects F32/);
    assert.deepEqual(
      m.installed().map((x) => x.id),
      [],
    );
  });

  it('Whisper: a server whose file is not the size the hub lists at the pinned commit is refused', async () => {
    const m = manager();
    const data = fileOf('whisper', 'model.safetensors');
    hub.replaceContent('test/whisper-other', 'model.safetensors', Buffer.concat([data, Buffer.alloc(64)]));
    try {
      await assert.rejects((await m.pull('whisper-f32')).done, /has \d+ bytes, the hub's listing says \d+/);
    } finally {
      hub.replaceContent('test/whisper-other', 'model.safetensors', data);
    }
    mkdirSync(join(dir, 'unused'), { recursive: true });
  });
});
